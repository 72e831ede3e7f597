"""The live room's live messages (``livecrew.core.live_messages``): what its pages' streams carry."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("metrics", "show", "The show's live metrics, when they changed (about once a second).",
                {"show": "show id", "metrics": "the engine's snapshot, see METRICS.md"}),
    LiveMessage("comments", "show", "New comments, labelled (question, purchase, ...).",
                {"items": "[{id, ts, user, text, label, why}], the newest last"}),
    LiveMessage("cues", "show", "The cue cards (questions to answer), after they changed.",
                {"items": "[{id, title, count, newest, product}]"}),
    LiveMessage("alert.raised", "show", "An alert was raised.",
                {"alert": "the alert: id, rule, severity, roles, message, key, params, texts..."}),
    LiveMessage("alert.updated", "show", "An open alert has a newer finding.", {"alert": "the alert"}),
    LiveMessage("alert.resolved", "show", "An alert's condition cleared.", {"alert": "the alert"}),
    LiveMessage("alert.acknowledged", "show", "Someone took charge of an alert.", {"alert": "the alert"}),
    LiveMessage("action", "show",
                "A control-room action: explain, shelf, coupon, lucky_bag or announce (通知團隊; also livecrew's own "
                "low-stock announcements).",
                {"id": "action id", "action": "explain, shelf, coupon, lucky_bag or announce",
                 "payload": "what was done (product/action, perk, text...)", "ts": "epoch ms",
                 "actor": "who (a name, or livecrew)"}),
)  # fmt: skip
