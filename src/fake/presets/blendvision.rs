//! Presets of the fake blendvision (see [`presets`](super)).

use crate::fake::FakeReply;

