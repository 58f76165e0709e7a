"""Writes of the geofence: location checks (stored, every one) and policy versions.

Public interface for other apps (appointments confirmation calls this):

    location_check_record(
        *, actor: User, registration: Registration,
        latitude: float | None, longitude: float | None, accuracy_m: float | None,
        purpose: str,                      # CheckPurpose.REQUEST ("request") or CheckPurpose.CONFIRMATION ("confirmation")
        at: datetime | None = None,        # defaults to clock.now(); the policy in force at `at` is used
        person: Person | None = None,      # at confirmation: the member checked (their nationality decides)
        device_hash: str = "",             # optional hash of a device id, for integrity signals
    ) -> LocationCheck

It stores a LocationCheck row in its own transaction (kept even when the check refuses) and
returns it when the point is eligible. It raises ApplicationError (translated message) when not:
  code "outside_service_area": extra = {"state": "MX-OAX", "state_name": "Oaxaca",
      "nearest_state": "MX-PUE", "nearest_state_name": "Puebla", "distance_km": 12.3,
      "policy_version": 2, "check_id": 17}
  code "outside_mexico": the point is in no Mexican state (at sea or in another country)
  code "location_required": no coordinates were given (and none may be skipped)
  code "location_invalid" / "location_imprecise": malformed point, or accuracy absurd
  code "no_service_area": no policy version is in force at `at`
"""

from __future__ import annotations
