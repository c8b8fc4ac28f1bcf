//! Presets of the fake datalab (see [`presets`](super)).

use crate::fake::FakeReply;

