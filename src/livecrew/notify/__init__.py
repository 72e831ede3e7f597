"""Pushes: what is said in the team's channels, delivered to the chat apps the team carries (DingTalk, Feishu,
WeCom, Slack, LINE, Telegram, signed webhooks), through an outbox that never loses a message."""
