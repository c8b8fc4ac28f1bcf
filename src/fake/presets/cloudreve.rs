//! Presets of the fake cloudreve (see [`presets`](super)).
