//! Presets of the fake koodrive (see [`presets`](super)).
