"""The team's go-live check: nobody marked absent is still on the roster in a role no one took over."""

from __future__ import annotations

from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.shows.public import Problem, Show, ShowStatus, gate_check
from livecrew.team.backups import absences


@gate_check("absences_covered", applies_to=(ShowStatus.ready, ShowStatus.live))
def absences_covered(db: Session, show: Show) -> list[Problem]:
    problems = []
    for absence in absences(db, show):
        person = db.get(User, absence.user_id)
        name = person.display_name if person else absence.user_id
        for entry in show.roster:
            if entry.user_id == absence.user_id:
                problems.append(
                    Problem(
                        "absences_covered",
                        f'{name} is absent but still plays "{entry.role}"; put their backup in the role',
                        "gate.absent",
                        {"name": name, "role": entry.role},
                    )
                )
    return problems
