"""Emergencies' live messages (``livecrew.core.live_messages``): the control room's incident panel, the run
page and the charts' incident spans hear them (incidents.js)."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("incident.opened", "show", "An incident run was opened (by a person or an alert).",
                {"incident": "the run's summary"}),
    LiveMessage("incident.updated", "show", "An incident run changed: status, steps or notes.",
                {"incident": "the run's summary"}),
    LiveMessage("incident.step_overdue", "show", "A step of a run went past its target time.",
                {"incident_id": "run id", "step": "the step", "assignee_id": "who", "commander_id": "who"}),
)  # fmt: skip
