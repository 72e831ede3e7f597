"""Customer service (客服): tickets, SLA clocks, reply templates, the daily report and retargeting."""
