"""One step of the fold: judge an act against the state and return the next state and outcome."""

from __future__ import annotations

from charter.domain.acts.args import Args
from charter.domain.acts.factions import STATUS_ACTS
from charter.domain.acts.federation import FEDERATION_ACTS
from charter.domain.acts.model import Act, Outcome
from charter.domain.acts.motions import MOTION_ACTS
from charter.domain.acts.powers import POWER_ACTS, exercise
from charter.domain.state import PolityState
from charter.errors import ActError

__all__ = ["ACT_KINDS", "step"]

ACT_KINDS: tuple[str, ...] = tuple(
    sorted({*POWER_ACTS, *MOTION_ACTS, *STATUS_ACTS, *FEDERATION_ACTS})
)
"""Every kind of act the domain understands."""


def _power_act(state: PolityState, act: Act) -> tuple[PolityState, Outcome]:
    spec = POWER_ACTS[act.kind]
    power = act.claimed_power
    if act.kind == "exercise":
        if act.power is None:
            raise ActError("an 'exercise' act must name the custom power it claims", path="power")
        if act.power not in state.constitution.custom_powers:
            known = ", ".join(state.constitution.custom_powers) or "none are declared"
            raise ActError(f"unknown custom power '{act.power}' ({known})", path="power")
    elif act.power is not None and act.power != act.kind:
        raise ActError(
            f"a '{act.kind}' act claims the power '{act.kind}', not '{act.power}'", path="power"
        )
    args = Args(act.args)
    parsed = spec.parse(state, args)
    args.finish()
    new_state, basis, effects = exercise(
        state,
        spec,
        parsed,
        actor=act.actor,
        power=power,
        at=act.time,
        index=state.next_index,
        capacity=act.capacity,
        cosigners=act.cosigned_by,
    )
    if new_state is None:
        return state, Outcome.refuse(basis)
    return new_state, Outcome.grant(basis, *effects)


def step(state: PolityState, act: Act) -> tuple[PolityState, Outcome]:
    """The state after `act`, and its outcome. Raises ActError, changing nothing, if it is malformed.

    A refused act leaves everything as it was except the position and time of the
    record (`next_index`, `time`): the attempt happened, and is evidence.
    """
    if not act.actor or not isinstance(act.actor, str):
        raise ActError("every act must name its actor", path="actor")
    if state.time is not None and act.time < state.time:
        raise ActError(
            f"act dated {act.time.isoformat()} comes before the previous act ({state.time.isoformat()})",
            path="time",
        )
    if act.capacity is not None and state.constitution.holder_kind(act.capacity) is None:
        raise ActError(f"unknown office or body '{act.capacity}'", path="as")
    if act.kind in POWER_ACTS:
        new_state, outcome = _power_act(state, act)
    elif act.kind in MOTION_ACTS:
        new_state, outcome = MOTION_ACTS[act.kind](state, act)
    elif act.kind in STATUS_ACTS:
        new_state, outcome = STATUS_ACTS[act.kind](state, act)
    elif act.kind in FEDERATION_ACTS:
        new_state, outcome = FEDERATION_ACTS[act.kind](state, act)
    else:
        raise ActError(f"unknown act '{act.kind}'; known acts: {', '.join(ACT_KINDS)}", path="act")
    if not outcome.granted:
        new_state = state
    return new_state.evolve(time=act.time, next_index=state.next_index + 1), outcome
