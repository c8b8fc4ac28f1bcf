//! [`Vendor`]: the five vendors this crate speaks to.

use std::fmt;

/// The five vendors this crate speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Vendor {
    /// kie.ai common download-url API.
    Kie,
    /// Cloudreve v4, self-hosted.
    Cloudreve,
    /// Datalab file API.
    Datalab,
    /// BlendVision One CMS library API.
    BlendVision,
    /// KooDrive (Huawei Cloud) file API.
    KooDrive,
}

impl Vendor {
    /// All five vendors, in the order of the crate's table.
    pub const ALL: [Vendor; 5] = [
        Vendor::Kie,
        Vendor::Cloudreve,
        Vendor::Datalab,
        Vendor::BlendVision,
        Vendor::KooDrive,
    ];

    /// Short lowercase identifier, as used by the `dlurl` CLI: `kie`, `cloudreve`,
    /// `datalab`, `blendvision`, `koodrive`.
    pub fn id(self) -> &'static str {
        match self {
            Vendor::Kie => "kie",
            Vendor::Cloudreve => "cloudreve",
            Vendor::Datalab => "datalab",
            Vendor::BlendVision => "blendvision",
            Vendor::KooDrive => "koodrive",
        }
    }
}

impl fmt::Display for Vendor {
    /// The vendor's name in lowercase: `kie.ai`, `cloudreve`, `datalab`,
    /// `blendvision`, `koodrive`. Width, fill and alignment are honoured
    /// (`{:<12}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Vendor::Kie => "kie.ai",
            other => other.id(),
        })
    }
}

/// The error of [`Vendor::from_str`](std::str::FromStr::from_str): the text named
/// no vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVendor(String);

impl fmt::Display for UnknownVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown vendor {:?} (expected kie, cloudreve, datalab, blendvision or koodrive)",
            self.0
        )
    }
}

impl std::error::Error for UnknownVendor {}

impl std::str::FromStr for Vendor {
    type Err = UnknownVendor;

    /// The [`id`](Vendor::id) or the [`Display`](fmt::Display) name, any case:
    /// `"kie"`, `"kie.ai"`, `"KooDrive"`.
    ///
    /// ```
    /// use download_url::Vendor;
    /// assert_eq!("kie.ai".parse::<Vendor>(), Ok(Vendor::Kie));
    /// assert_eq!("BlendVision".parse::<Vendor>(), Ok(Vendor::BlendVision));
    /// assert!("s3".parse::<Vendor>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| {
                text.eq_ignore_ascii_case(v.id()) || text.eq_ignore_ascii_case(&v.to_string())
            })
            .ok_or_else(|| UnknownVendor(text.to_owned()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Vendor {
    /// The [`id`](Vendor::id).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Vendor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_parses_from_its_id_and_name_and_pads() {
        for vendor in Vendor::ALL {
            assert_eq!(vendor.id().parse::<Vendor>(), Ok(vendor));
            assert_eq!(vendor.to_string().parse::<Vendor>(), Ok(vendor));
            assert_eq!(vendor.id().to_uppercase().parse::<Vendor>(), Ok(vendor));
        }
        assert!("s3".parse::<Vendor>().is_err());
        assert!("".parse::<Vendor>().is_err());
        assert_eq!(format!("[{:<8}]", Vendor::Kie), "[kie.ai  ]");
        assert_eq!(format!("[{:>9}]", Vendor::Datalab), "[  datalab]");
        assert_eq!(format!("{:.3}", Vendor::KooDrive), "koo");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn vendor_serde_is_its_id() {
        assert_eq!(serde_json::to_string(&Vendor::Kie).unwrap(), "\"kie\"");
        let back: Vendor = serde_json::from_str("\"blendvision\"").unwrap();
        assert_eq!(back, Vendor::BlendVision);
        assert!(serde_json::from_str::<Vendor>("\"nope\"").is_err());
    }
}
