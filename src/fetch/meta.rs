//! What a part file is: the `.dlurl-meta` file beside it.

/// What a part file is: the `.dlurl-meta` file beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Meta {
    /// Hash of the link's vendor and item.
    pub key: String,
    /// The validator sent in `If-Range`.
    pub validator: String,
    /// The object's length, when the host stated it.
    pub total: Option<u64>,
    /// The name the target got (for `save_in`).
    pub name: Option<String>,
    /// Device and inode of the part file this meta describes.
    pub part: (u64, u64),
}

impl Meta {
    pub(super) fn to_json(&self) -> String {
        let etag = self.validator.starts_with('"');
        serde_json::json!({
            "version": 2,
            "key": self.key,
            "etag": etag.then_some(&self.validator),
            "last_modified": (!etag).then_some(&self.validator),
            "total": self.total,
            "name": self.name,
            "part_dev": self.part.0,
            "part_ino": self.part.1,
        })
        .to_string()
    }

    pub(super) fn parse(text: &str) -> Option<Meta> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        if value.get("version")?.as_u64()? != 2 {
            return None;
        }
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let number = |k: &str| value.get(k).and_then(|v| v.as_u64());
        Some(Meta {
            key: text("key")?,
            validator: text("etag").or_else(|| text("last_modified"))?,
            total: number("total"),
            name: text("name").and_then(|n| super::names::sanitize_file_name(&n)),
            part: (number("part_dev")?, number("part_ino")?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips() {
        let meta = Meta {
            key: "00ff".into(),
            validator: "\"v1\"".into(),
            total: Some(10),
            name: Some("a.pdf".into()),
            part: (3, 4),
        };
        assert_eq!(Meta::parse(&meta.to_json()), Some(meta));
        assert_eq!(
            Meta::parse("{\"version\":1,\"key\":\"k\",\"etag\":\"\\\"v\\\"\"}"),
            None
        );
    }
}
