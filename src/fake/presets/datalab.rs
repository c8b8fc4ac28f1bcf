//! Presets of the fake datalab (see [`presets`](super)).
