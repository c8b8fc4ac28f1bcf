//! A vendor session: the agent, the vendor's `Config` built from the parsed
//! options (the environment as fallback), the request options, and the retry
//! policy. One value serves the first call and `get`'s refresher
//! ([`Session::link_for`]).

use std::time::Instant;

use download_url::{retry, Batch, DownloadLink, Error, RetryPolicy, Vendor};
use ureq::http::{Request, Response};
use ureq::middleware::{Middleware, MiddlewareNext};
use ureq::{Body, SendBody};

use crate::args::{Global, VendorArgs};
use crate::output::{err_line, one_field, Context, Failure};

/// The agent for every command: the crate's configuration with `--timeout`,
/// the roots of `--cacert` (else, when `tls` says https will be used,
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`: reading a system's whole certificate folder
/// costs milliseconds a plain-http call should not pay), and with `-v` a
/// middleware that logs each request.
pub fn agent(global: &Global, tls: bool) -> Result<ureq::Agent, Failure> {
    let builder = download_url::agent_config(global.timeout);
    let builder = with_roots(builder, global, tls)?;
    Ok(if global.verbose {
        builder.middleware(Verbose).build().new_agent()
    } else {
        builder.build().new_agent()
    })
}

type Builder = ureq::config::ConfigBuilder<ureq::typestate::AgentScope>;

/// The roots of `--cacert`, else of `SSL_CERT_FILE`/`SSL_CERT_DIR` (rustls).
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn with_roots(builder: Builder, global: &Global, tls: bool) -> Result<Builder, Failure> {
    if let Some(path) = &global.cacert {
        let shown = one_field(&path.display().to_string());
        let pem = std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("--cacert {shown}: {}", os_reason(&e))))?;
        let tls = download_url::roots::tls_config_with_roots(&pem)
            .map_err(|e| Failure::Usage(format!("--cacert {shown}: {e}")))?;
        return Ok(builder.tls_config(tls));
    }
    if !tls {
        return Ok(builder);
    }
    match download_url::roots::tls_config_from_env() {
        Ok(Some(tls)) => Ok(builder.tls_config(tls)),
        Ok(None) => Ok(builder),
        Err(e) => Err(Failure::Usage(format!("SSL_CERT_FILE/SSL_CERT_DIR: {e}"))),
    }
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn with_roots(builder: Builder, global: &Global, _tls: bool) -> Result<Builder, Failure> {
    match global.cacert {
        Some(_) => Err(Failure::Usage(
            "--cacert needs a build with TLS (feature rustls or native-tls)".into(),
        )),
        None => Ok(builder),
    }
}

/// The proxy (`host:port`) a call to `base_url` goes through on `agent`: its
/// proxy, unless the host is loopback (always reached directly) or in `NO_PROXY`.
fn proxy_for(agent: &ureq::Agent, base_url: &str) -> Option<String> {
    let proxy = agent.config().proxy()?;
    let uri = base_url.trim().parse::<ureq::http::Uri>().ok()?;
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let applies = !loopback && !proxy.is_no_proxy(&uri);
    applies.then(|| format!("{}:{}", proxy.host(), proxy.port()))
}

/// An OS error as a person reads it: without std's `(os error N)`.
pub fn os_reason(e: &dyn std::error::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// `-v`: one stderr line per HTTP request (each attempt of a retry, each hop).
/// The URL goes through `redact_url` (no userinfo, no query); headers, where
/// credentials travel, are never looked at.
struct Verbose;

impl Middleware for Verbose {
    fn handle(
        &self,
        request: Request<SendBody>,
        next: MiddlewareNext,
    ) -> Result<Response<Body>, ureq::Error> {
        let method = request.method().clone();
        let url = download_url::redact_url(&request.uri().to_string());
        let started = Instant::now();
        let result = next.handle(request);
        let elapsed = started.elapsed();
        let outcome = match &result {
            Ok(response) => response.status().as_u16().to_string(),
            Err(ureq::Error::Timeout(_)) => "timed out".to_owned(),
            // The I/O error's own words (`failed to lookup address information`,
            // `invalid peer certificate: UnknownIssuer`), not only its kind.
            Err(ureq::Error::Io(e)) => format!("failed: {e}"),
            Err(ureq::Error::HostNotFound) => "failed: host not found".to_owned(),
            Err(ureq::Error::ConnectionFailed) => "failed: connection failed".to_owned(),
            Err(_) => "failed".to_owned(),
        };
        err_line(&format!(
            "{method} {} {outcome} {:.1} ms",
            one_field(&url),
            elapsed.as_secs_f64() * 1e3
        ));
        result
    }
}

/// `--retries N`: the vendor's documented policy (its backoff, the longest
/// `Retry-After` it honours, its bound on the whole) with N retries after the
/// first attempt, whatever number of attempts the policy would make itself.
fn retry_policy(vendor: Vendor, retries: u32) -> RetryPolicy {
    let mut policy = RetryPolicy::for_vendor(vendor);
    policy.max_attempts = retries.saturating_add(1);
    policy
}

/// Everything needed to ask one vendor for links, any number of times.
pub struct Session {
    pub agent: ureq::Agent,
    policy: RetryPolicy,
    /// The base URL asked (for naming a transport failure's host).
    pub context: Context,
    call: Call,
}

enum Call {
    #[cfg(feature = "kie")]
    Kie(download_url::kie::Config),
    #[cfg(feature = "datalab")]
    Datalab(download_url::datalab::Config, Option<u32>),
    #[cfg(feature = "cloudreve")]
    Cloudreve(
        download_url::cloudreve::Config,
        Box<download_url::cloudreve::Request>,
    ),
    #[cfg(feature = "blendvision")]
    BlendVision(download_url::blendvision::Config),
    #[cfg(feature = "koodrive")]
    KooDrive(download_url::koodrive::Config, String),
}

/// The value of environment variable `name` when set and not blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &str, vendor: &str) -> Result<String, Failure> {
    env(name).ok_or_else(|| {
        Failure::Usage(format!(
            "{name} is not set (the credential of {vendor}; see dlurl help {vendor})"
        ))
    })
}

impl Session {
    /// The session of a vendor command: the parsed options first, the
    /// environment as fallback. `files`: the agent will also fetch the files
    /// behind the links (`get`), over https whatever the vendor's URL.
    pub fn new(global: &Global, args: &VendorArgs, files: bool) -> Result<Session, Failure> {
        let vendor = args.vendor.expect("the parser names the vendor");
        let var = format!("{}_BASE_URL", vendor.id().to_ascii_uppercase());
        let base = global.base_url.clone().or_else(|| env(&var));
        let insecure = global.allow_insecure_http;
        let (base_url, call): (String, Call) = match vendor {
            #[cfg(feature = "kie")]
            Vendor::Kie => {
                use download_url::kie;
                let base = base.unwrap_or_else(|| kie::DEFAULT_BASE_URL.to_owned());
                let mut config = kie::Config::new(required("KIE_API_KEY", "kie")?);
                config.base_url = base.clone().into();
                config.allow_insecure_http = insecure;
                (base, Call::Kie(config))
            }
            #[cfg(feature = "datalab")]
            Vendor::Datalab => {
                use download_url::datalab;
                let base = base.unwrap_or_else(|| datalab::DEFAULT_BASE_URL.to_owned());
                let mut config = datalab::Config::new(required("DATALAB_API_KEY", "datalab")?);
                config.base_url = base.clone().into();
                config.allow_insecure_http = insecure;
                config.team = args.team.clone().or_else(|| env("DATALAB_TEAM"));
                (base, Call::Datalab(config, args.expires_in))
            }
            #[cfg(feature = "cloudreve")]
            Vendor::Cloudreve => {
                use download_url::cloudreve;
                let base = base.ok_or_else(|| {
                    Failure::Usage(
                        "cloudreve needs the site: --base-url URL or CLOUDREVE_BASE_URL".into(),
                    )
                })?;
                let mut config = cloudreve::Config::new(base.clone());
                config.access_token = env("CLOUDREVE_TOKEN").map(Into::into);
                config.allow_insecure_http = insecure;
                let on = |flag: bool| flag.then_some(true);
                let mut request = cloudreve::Request::new(Vec::<String>::new());
                request.download = on(args.download);
                request.redirect = on(args.redirect);
                request.archive = on(args.archive);
                request.skip_error = on(args.skip_error);
                request.no_cache = on(args.no_cache);
                request.use_primary_site_url = on(args.use_primary_site_url);
                request.entity.clone_from(&args.entity);
                (base, Call::Cloudreve(config, Box::new(request)))
            }
            #[cfg(feature = "blendvision")]
            Vendor::BlendVision => {
                use download_url::blendvision;
                let base = base.unwrap_or_else(|| blendvision::DEFAULT_BASE_URL.to_owned());
                let token = required("BLENDVISION_API_TOKEN", "blendvision")?;
                let org = args.org_id.clone().or_else(|| env("BLENDVISION_ORG_ID"));
                let mut config = if args.login_token {
                    let mut config = blendvision::Config::login(token);
                    config.org_id = org.unwrap_or_default();
                    config
                } else {
                    let org = org.ok_or_else(|| {
                        Failure::Usage(
                            "BLENDVISION_ORG_ID is not set (or --org-id ID; with a login token, --login-token)"
                                .into(),
                        )
                    })?;
                    blendvision::Config::new(token, org)
                };
                config.base_url = base.clone().into();
                config.allow_insecure_http = insecure;
                (base, Call::BlendVision(config))
            }
            #[cfg(feature = "koodrive")]
            Vendor::KooDrive => {
                use download_url::koodrive::{self, Auth};
                let base = base.unwrap_or_else(|| koodrive::DEFAULT_BASE_URL.to_owned());
                let mut config = koodrive::Config::from_env()?;
                config.base_url = base.clone().into();
                config.allow_insecure_http = insecure;
                if let (Some(p), Auth::Token { prefix, .. }) =
                    (&args.token_prefix, &mut config.auth)
                {
                    prefix.clone_from(p);
                }
                if args.share_folder.is_some() {
                    config.share_folder_id.clone_from(&args.share_folder);
                }
                if args.trace_id.is_some() {
                    config.trace_id.clone_from(&args.trace_id);
                }
                if args.language.is_some() {
                    config.language.clone_from(&args.language);
                }
                let container = args.positional.first().cloned().unwrap_or_default();
                (base, Call::KooDrive(config, container))
            }
            #[allow(unreachable_patterns)]
            other => {
                return Err(Failure::Usage(format!(
                    "{} is not in this build",
                    other.id()
                )))
            }
        };
        let https = base_url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let agent = agent(global, https || files)?;
        Ok(Session {
            policy: retry_policy(vendor, global.retries),
            context: Context {
                proxy: proxy_for(&agent, &base_url),
                base_url,
                timeout: global.timeout,
            },
            agent,
            call,
        })
    }

    /// The items of the command line: its positionals less KooDrive's container.
    pub fn items<'a>(&self, args: &'a VendorArgs) -> &'a [String] {
        match self.call {
            #[cfg(feature = "koodrive")]
            Call::KooDrive(..) => args.positional.get(1..).unwrap_or_default(),
            #[allow(unreachable_patterns)]
            _ => &args.positional,
        }
    }

    /// `item` as the library reports it back: Cloudreve's plain paths become URIs.
    pub fn sent_form<'a>(&self, item: &'a str) -> std::borrow::Cow<'a, str> {
        match self.call {
            #[cfg(feature = "cloudreve")]
            Call::Cloudreve(..) => download_url::cloudreve::uri_from(item).into(),
            #[allow(unreachable_patterns)]
            _ => item.into(),
        }
    }

    /// How many ids from stdin go into one library call: 10,000 (the library
    /// splits them into the vendor's call sizes), 1,000 for BlendVision, whose
    /// batch call is one request (its reply must stay under the body limit).
    pub fn group_size(&self) -> usize {
        match self.call {
            #[cfg(feature = "blendvision")]
            Call::BlendVision(..) => 1_000,
            #[allow(unreachable_patterns)]
            _ => 10_000,
        }
    }

    /// Whether the vendor takes any number of items in one call.
    pub fn is_batch(&self) -> bool {
        match self.call {
            #[cfg(feature = "cloudreve")]
            Call::Cloudreve(..) => true,
            #[cfg(feature = "blendvision")]
            Call::BlendVision(..) => true,
            #[cfg(feature = "koodrive")]
            Call::KooDrive(..) => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// Asks for the links of `items` (under the retry policy).
    #[allow(unused_variables)]
    pub fn call(&self, items: &[String]) -> Result<Batch, Error> {
        let (agent, policy) = (&self.agent, &self.policy);
        let one = |link| Batch::new(vec![link], Vec::new());
        match &self.call {
            #[cfg(feature = "kie")]
            Call::Kie(config) => Ok(one(retry(policy, |_| {
                download_url::kie::download_link(agent, config, &items[0])
            })?)),
            #[cfg(feature = "datalab")]
            Call::Datalab(config, expires_in) => {
                use download_url::datalab;
                let mut request = datalab::Request::new(items[0].as_str());
                request.expires_in = *expires_in;
                Ok(one(retry(policy, |_| {
                    datalab::download_link(agent, config, &request)
                })?))
            }
            #[cfg(feature = "cloudreve")]
            Call::Cloudreve(config, template) => {
                use download_url::cloudreve;
                let mut request = (**template).clone();
                request.uris = items.iter().map(|p| cloudreve::uri_from(p)).collect();
                retry(policy, |_| {
                    cloudreve::download_links(agent, config, &request)
                })
            }
            #[cfg(feature = "blendvision")]
            Call::BlendVision(config) => {
                use download_url::blendvision;
                match items {
                    [id] => Ok(one(retry(policy, |_| {
                        blendvision::download_link(agent, config, id)
                    })?)),
                    _ => retry(policy, |_| {
                        blendvision::download_links(agent, config, items)
                    }),
                }
            }
            #[cfg(feature = "koodrive")]
            Call::KooDrive(config, container) => {
                use download_url::koodrive;
                let request = koodrive::Request::new(container.as_str(), items.to_vec());
                retry(policy, |_| {
                    koodrive::download_links(agent, config, &request)
                })
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("a build without vendors has no session"),
        }
    }

    /// A new link for `item` alone (`get`'s refresher), with the same options:
    /// `Ok(Err(why))` when the vendor answered without a link for it.
    pub fn link_for(&self, item: &str) -> Result<Result<DownloadLink, String>, Error> {
        let batch = self.call(&[item.to_owned()])?;
        Ok(match batch.links.into_iter().find(|l| l.item == item) {
            Some(link) => Ok(link),
            None => Err(match batch.failures.into_iter().next() {
                Some(failure) => failure.to_string(),
                None => "the vendor returned no link for the item".to_owned(),
            }),
        })
    }
}
