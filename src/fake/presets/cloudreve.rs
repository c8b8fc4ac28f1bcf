//! Presets of the fake cloudreve (see [`presets`](super)).

use crate::fake::FakeReply;

