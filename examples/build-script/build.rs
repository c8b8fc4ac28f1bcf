use download_url::{build, fetch::Pinned, Vendor};

// The file, and what it must be: 300,000 bytes with this SHA-256.
const ITEM: &str = "https://tempfile.aiquickdraw.com/models/model.bin";
const SHA256: &str = "ba6b73048ef4075a26aa9557b1afd033a70bf95f73fd554d0d9b28bc9c05ba94";
const SIZE: u64 = 300_000;

fn main() {
    #[cfg(feature = "ci-fake")]
    let _fake = ci_fake::serve();
    let pin = Pinned::new(SHA256, SIZE);
    let path = build::fetch_pinned(Vendor::Kie, ITEM, &pin).unwrap_or_else(|e| panic!("{e}"));
    println!("cargo:rustc-env=MODEL_PATH={}", path.display());
}

/// The crate's fake kie.ai and file host, serving the pinned bytes, and the
/// variables that point the build at them.
#[cfg(feature = "ci-fake")]
mod ci_fake {
    use download_url::fake::files::{FakeContent, FakeFileHost};
    use download_url::fake::{FakeServer, KIE_API_KEY};

    pub fn serve() -> (FakeServer, FakeFileHost) {
        let files = FakeFileHost::start().expect("fake file host");
        files.add(
            "model.bin",
            FakeContent::Generated {
                len: super::SIZE,
                seed: 42,
            },
        );
        let api = FakeServer::start().expect("fake kie.ai");
        let hour = std::time::Duration::from_secs(3600);
        api.configure(|s| s.kie.link = files.signed_url("model.bin", hour));
        std::env::set_var("KIE_BASE_URL", api.base_url());
        std::env::set_var("KIE_API_KEY", KIE_API_KEY);
        (api, files)
    }
}
