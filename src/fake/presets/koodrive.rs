//! Presets of the fake koodrive (see [`presets`](super)).

use crate::fake::FakeReply;

