//! Presets of the fake blendvision (see [`presets`](super)).
