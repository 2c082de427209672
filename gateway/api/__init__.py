"""The deCONZ REST request layer, Sans-I/O.

Pure planners turn a parsed request (plus the affected resources' current deCONZ JSON)
into a `Plan`: the reply items and HTTP status, the radio commands to send in order, and
the optimistic changes to apply to the resource store. No HTTP, sockets or asyncio here;
the I/O shell calls these and carries out the plan.
"""

from .config import ChangeChannel, ConfigPlan, SetNetworkState, Unlock, plan_config_put
from .errors import ApiError, ErrorType, parse_json_body, success
from .group_action import GroupActionPlan, plan_group_action
from .groups import (
    GroupAttributesPlan,
    GroupCreatePlan,
    GroupDeletePlan,
    plan_group_attributes,
    plan_group_create,
    plan_group_delete,
)
from .light_state import LightStatePlan, plan_light_state
from .lights import LightPlan, plan_light_attributes, plan_light_delete, plan_search
from .plan import Plan
from .scenes import (
    ScenePlan,
    plan_scene_attributes,
    plan_scene_create,
    plan_scene_delete,
    plan_scene_light_state,
    plan_scene_recall,
    plan_scene_store,
)
from .sensor_config import (
    SensorConfigPlan,
    plan_sensor_config,
    plan_sensor_delete,
    plan_sensor_put,
    plan_sensor_state,
)

__all__ = [
    "ApiError",
    "ChangeChannel",
    "ConfigPlan",
    "ErrorType",
    "GroupActionPlan",
    "GroupAttributesPlan",
    "GroupCreatePlan",
    "GroupDeletePlan",
    "LightPlan",
    "LightStatePlan",
    "Plan",
    "ScenePlan",
    "SensorConfigPlan",
    "SetNetworkState",
    "Unlock",
    "parse_json_body",
    "plan_config_put",
    "plan_group_action",
    "plan_group_attributes",
    "plan_group_create",
    "plan_group_delete",
    "plan_light_attributes",
    "plan_light_delete",
    "plan_light_state",
    "plan_scene_attributes",
    "plan_scene_create",
    "plan_scene_delete",
    "plan_scene_light_state",
    "plan_scene_recall",
    "plan_scene_store",
    "plan_search",
    "plan_sensor_config",
    "plan_sensor_delete",
    "plan_sensor_put",
    "plan_sensor_state",
    "success",
]
