//! The one command-line parser (lexopt): global options anywhere before `--`,
//! each command's options after its name, `--flag value` / `--flag=value`,
//! combined short flags (`-vh`). It only reads the command line; what the
//! options mean for a vendor is `session.rs`'s business.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use download_url::Vendor;
use lexopt::prelude::*;

/// Options every command takes.
pub struct Global {
    pub base_url: Option<String>,
    pub format: Format,
    pub timeout: Duration,
    pub retries: u32,
    pub allow_insecure_http: bool,
    pub verbose: bool,
    pub cacert: Option<PathBuf>,
}

/// How results are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tab-separated lines.
    Plain,
    /// One JSON object at the end.
    Json,
    /// One JSON object per line as results arrive.
    JsonLines,
}

/// What a help text is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Topic {
    Global,
    Kie,
    Datalab,
    Cloudreve,
    BlendVision,
    KooDrive,
    Get,
    #[cfg_attr(not(feature = "fake"), allow(dead_code))]
    Demo,
    #[cfg_attr(not(feature = "fake"), allow(dead_code))]
    ServeFake,
    Help,
}

impl Topic {
    /// The command named `name` in this build.
    fn named(name: &str) -> Option<Topic> {
        Some(match name {
            "get" => Topic::Get,
            "help" => Topic::Help,
            #[cfg(feature = "fake")]
            "demo" => Topic::Demo,
            #[cfg(feature = "fake")]
            "serve-fake" => Topic::ServeFake,
            other => vendor_topic(compiled_vendor(other)?),
        })
    }
}

fn vendor_topic(vendor: Vendor) -> Topic {
    match vendor {
        Vendor::Kie => Topic::Kie,
        Vendor::Datalab => Topic::Datalab,
        Vendor::Cloudreve => Topic::Cloudreve,
        Vendor::BlendVision => Topic::BlendVision,
        _ => Topic::KooDrive,
    }
}

/// The vendor named `name` (its id, or its name in any case) when this build has it.
fn compiled_vendor(name: &str) -> Option<Vendor> {
    let vendor: Vendor = name.parse().ok()?;
    let on = match vendor {
        Vendor::Kie => cfg!(feature = "kie"),
        Vendor::Datalab => cfg!(feature = "datalab"),
        Vendor::Cloudreve => cfg!(feature = "cloudreve"),
        Vendor::BlendVision => cfg!(feature = "blendvision"),
        Vendor::KooDrive => cfg!(feature = "koodrive"),
        // A vendor added to the library later: not in this CLI yet.
        #[allow(unreachable_patterns, clippy::match_like_matches_macro)]
        _ => false,
    };
    on.then_some(vendor)
}

/// A vendor command: which vendor, its options and its positionals.
#[derive(Default)]
pub struct VendorArgs {
    pub vendor: Option<Vendor>,
    pub positional: Vec<String>,
    // datalab
    pub expires_in: Option<u32>,
    pub team: Option<String>,
    // cloudreve
    pub download: bool,
    pub redirect: bool,
    pub archive: bool,
    pub skip_error: bool,
    pub no_cache: bool,
    pub use_primary_site_url: bool,
    pub entity: Option<String>,
    // blendvision
    pub login_token: bool,
    pub org_id: Option<String>,
    // koodrive
    pub token_prefix: Option<String>,
    pub share_folder: Option<String>,
    pub trace_id: Option<String>,
    pub language: Option<String>,
}

/// Where `get` puts the files.
pub enum Output {
    Dir(PathBuf),
    File(PathBuf),
    Stdout,
}

/// The options of `get`.
pub struct GetArgs {
    pub output: Output,
    pub force: bool,
    pub fsync: bool,
    pub stall: Duration,
    pub size: Option<u64>,
    pub max_size: Option<u64>,
    pub sha256: Option<String>,
}

/// What the command line asks for.
pub enum Command {
    Help(Topic),
    Version,
    Vendor(Global, VendorArgs),
    Get(Global, GetArgs, VendorArgs),
    #[cfg_attr(not(feature = "fake"), allow(dead_code))]
    Demo(Global),
    ServeFake,
}

/// `get --stall`'s default.
#[cfg(feature = "fetch")]
const DEFAULT_STALL: Duration = download_url::fetch::DEFAULT_STALL_TIMEOUT;
#[cfg(not(feature = "fetch"))]
const DEFAULT_STALL: Duration = Duration::from_secs(30);

/// A usage error: the text of `dlurl: <text>`.
pub type Usage = String;

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<Command, Usage> {
    let mut state = State::default();
    let result = state.run(args);
    // `-h` wins over anything wrong on the line: the help of the deepest command met.
    if state.help {
        return Ok(Command::Help(state.topic()));
    }
    if state.version {
        return Ok(Command::Version);
    }
    result?;
    state.finish()
}

#[derive(Default)]
struct State {
    help: bool,
    version: bool,
    command: Option<Topic>,
    help_topic: Option<Topic>,
    global: GlobalArgs,
    get: GetState,
    vendor: VendorArgs,
}

#[derive(Default)]
struct GlobalArgs {
    base_url: Option<String>,
    json: bool,
    jsonl: bool,
    timeout: Option<Duration>,
    retries: u32,
    allow_insecure_http: bool,
    verbose: bool,
    cacert: Option<PathBuf>,
}

#[derive(Default)]
struct GetState {
    output: Option<OsString>,
    force: bool,
    fsync: bool,
    stall: Option<Duration>,
    size: Option<u64>,
    max_size: Option<u64>,
    sha256: Option<String>,
}

impl State {
    /// The help shown for `-h` or `help`.
    fn topic(&self) -> Topic {
        match (self.command, self.vendor.vendor) {
            (Some(Topic::Help), _) => self.help_topic.unwrap_or(Topic::Global),
            (Some(topic), _) => topic,
            (None, _) => Topic::Global,
        }
    }

    fn run(&mut self, args: Vec<OsString>) -> Result<(), Usage> {
        let mut p = lexopt::Parser::from_args(args);
        while let Some(arg) = p.next().map_err(message)? {
            match arg {
                Short('h') | Long("help") => self.help = true,
                Short('V') | Long("version") => self.version = true,
                Short('v') | Long("verbose") => self.global.verbose = true,
                Long("json") => self.global.json = true,
                Long("jsonl") => self.global.jsonl = true,
                Long("allow-insecure-http") => self.global.allow_insecure_http = true,
                Long("base-url") => self.global.base_url = Some(text(&mut p, "--base-url")?),
                Long("cacert") => self.global.cacert = Some(PathBuf::from(value(&mut p)?)),
                Long("timeout") => {
                    let t = text(&mut p, "--timeout")?;
                    self.global.timeout = Some(seconds("--timeout", &t)?);
                }
                Long("retries") => {
                    let t = text(&mut p, "--retries")?;
                    self.global.retries =
                        t.parse().ok().filter(|n| *n <= 100).ok_or_else(|| {
                            format!("--retries takes a number from 0 to 100, got {t:?}")
                        })?;
                }
                Value(v) => self.value(v)?,
                Short('o') | Long("output") if self.command == Some(Topic::Get) => {
                    if self.get.output.is_some() {
                        return Err("-o given twice".into());
                    }
                    self.get.output = Some(value(&mut p)?);
                }
                Long("force") if self.command == Some(Topic::Get) => self.get.force = true,
                Long("fsync") if self.command == Some(Topic::Get) => self.get.fsync = true,
                Long("stall") if self.command == Some(Topic::Get) => {
                    let t = text(&mut p, "--stall")?;
                    self.get.stall = Some(seconds("--stall", &t)?);
                }
                Long("size") if self.command == Some(Topic::Get) => {
                    self.get.size = Some(bytes("--size", &text(&mut p, "--size")?)?)
                }
                Long("max-size") if self.command == Some(Topic::Get) => {
                    self.get.max_size = Some(bytes("--max-size", &text(&mut p, "--max-size")?)?)
                }
                Long("sha256") if self.command == Some(Topic::Get) => {
                    let hex = text(&mut p, "--sha256")?;
                    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(format!(
                            "--sha256 takes 64 hexadecimal digits, got {} characters",
                            hex.chars().count()
                        ));
                    }
                    self.get.sha256 = Some(hex);
                }
                Short(c) => return Err(self.unknown(&format!("-{c}"))),
                Long(name) => {
                    let name = format!("--{name}");
                    self.vendor_option(&name, &mut p)?;
                }
            }
        }
        Ok(())
    }

    /// A positional: the command, `get`'s vendor, `help`'s topic, or an argument.
    fn value(&mut self, v: OsString) -> Result<(), Usage> {
        let v = v.into_string().map_err(|v| {
            format!(
                "argument {:?} is not valid UTF-8",
                v.to_string_lossy().into_owned()
            )
        })?;
        match self.command {
            None => {
                let topic = Topic::named(&v).ok_or_else(|| unknown_command(&v))?;
                if let Ok(vendor) = v.parse() {
                    self.vendor.vendor = Some(vendor);
                }
                self.command = Some(topic);
            }
            Some(Topic::Get) if self.vendor.vendor.is_none() => {
                self.vendor.vendor = Some(compiled_vendor(&v).ok_or_else(|| {
                    format!("get needs a vendor before its arguments, got {v:?}")
                })?);
            }
            Some(Topic::Help) if self.help_topic.is_none() => {
                self.help_topic = Some(Topic::named(&v).ok_or_else(|| unknown_command(&v))?);
            }
            Some(_) => self.vendor.positional.push(v),
        }
        Ok(())
    }

    /// An option of the vendor command (after its name).
    fn vendor_option(&mut self, name: &str, p: &mut lexopt::Parser) -> Result<(), Usage> {
        let Some(vendor) = self.vendor.vendor else {
            return Err(self.unknown(name));
        };
        let v = &mut self.vendor;
        match (vendor, name) {
            (Vendor::Datalab, "--expires-in") => {
                let t = text(p, name)?;
                v.expires_in = Some(
                    t.parse()
                        .map_err(|_| format!("--expires-in takes whole seconds, got {t:?}"))?,
                );
            }
            (Vendor::Datalab, "--team") => v.team = Some(text(p, name)?),
            (Vendor::Cloudreve, "--download") => v.download = true,
            (Vendor::Cloudreve, "--redirect") => v.redirect = true,
            (Vendor::Cloudreve, "--archive") => v.archive = true,
            (Vendor::Cloudreve, "--skip-error") => v.skip_error = true,
            (Vendor::Cloudreve, "--no-cache") => v.no_cache = true,
            (Vendor::Cloudreve, "--use-primary-site-url") => v.use_primary_site_url = true,
            (Vendor::Cloudreve, "--entity") => v.entity = Some(text(p, name)?),
            (Vendor::BlendVision, "--login-token") => v.login_token = true,
            (Vendor::BlendVision, "--org-id") => v.org_id = Some(text(p, name)?),
            (Vendor::KooDrive, "--token-prefix") => v.token_prefix = Some(text(p, name)?),
            (Vendor::KooDrive, "--share-folder") => v.share_folder = Some(text(p, name)?),
            (Vendor::KooDrive, "--trace-id") => v.trace_id = Some(text(p, name)?),
            (Vendor::KooDrive, "--language") => v.language = Some(text(p, name)?),
            _ => return Err(self.unknown(name)),
        }
        Ok(())
    }

    /// `unknown option X`, with a hint when it belongs to another command.
    fn unknown(&self, name: &str) -> Usage {
        let owner = [
            ("datalab", &["--expires-in", "--team"][..]),
            (
                "cloudreve",
                &[
                    "--download",
                    "--redirect",
                    "--archive",
                    "--skip-error",
                    "--no-cache",
                    "--use-primary-site-url",
                    "--entity",
                ][..],
            ),
            ("blendvision", &["--login-token", "--org-id"][..]),
            (
                "koodrive",
                &[
                    "--token-prefix",
                    "--share-folder",
                    "--trace-id",
                    "--language",
                ][..],
            ),
            (
                "get",
                &[
                    "-o",
                    "--output",
                    "--force",
                    "--fsync",
                    "--stall",
                    "--size",
                    "--max-size",
                    "--sha256",
                ][..],
            ),
        ]
        .into_iter()
        .find(|(_, flags)| flags.contains(&name))
        .map(|(owner, _)| owner);
        let here = match (self.command, self.vendor.vendor) {
            (_, Some(v)) => format!(" for {}", v.id()),
            (Some(Topic::Get), None) => " for get".to_owned(),
            _ => String::new(),
        };
        match owner {
            Some(owner) if self.command.is_none() || self.vendor.vendor.is_none() => {
                format!("{name} is an option of {owner}: put it after the {owner} command")
            }
            Some(owner) => format!("unknown option {name}{here} (it is an option of {owner})"),
            None => format!("unknown option {name}{here}"),
        }
    }

    fn finish(self) -> Result<Command, Usage> {
        let g = self.global;
        if g.json && g.jsonl {
            return Err("--json and --jsonl exclude each other".into());
        }
        let global = Global {
            base_url: g.base_url,
            format: if g.json {
                Format::Json
            } else if g.jsonl {
                Format::JsonLines
            } else {
                Format::Plain
            },
            timeout: g.timeout.unwrap_or(download_url::DEFAULT_TIMEOUT),
            retries: g.retries,
            allow_insecure_http: g.allow_insecure_http,
            verbose: g.verbose,
            cacert: g.cacert,
        };
        let Some(command) = self.command else {
            return Err("missing <vendor> (or a command: get, help…)".into());
        };
        let v = self.vendor;
        match command {
            Topic::Help => Ok(Command::Help(self.help_topic.unwrap_or(Topic::Global))),
            Topic::Demo | Topic::ServeFake => {
                if let Some(extra) = v.positional.first() {
                    let name = if command == Topic::Demo {
                        "demo"
                    } else {
                        "serve-fake"
                    };
                    return Err(format!("{name} takes no arguments, got {extra:?}"));
                }
                Ok(if command == Topic::Demo {
                    Command::Demo(global)
                } else {
                    Command::ServeFake
                })
            }
            Topic::Get => {
                let Some(vendor) = v.vendor else {
                    return Err("get needs a <vendor> and its arguments".into());
                };
                check_arity(vendor, &v.positional)?;
                let get = self.get;
                let output = match get.output {
                    None => Output::Dir(PathBuf::from(".")),
                    Some(o) if o == "-" => Output::Stdout,
                    Some(o) if o.is_empty() => return Err("-o needs a path".into()),
                    Some(o) => {
                        let path = PathBuf::from(&o);
                        let slash = o.to_string_lossy().ends_with('/');
                        if slash || path.is_dir() {
                            Output::Dir(path)
                        } else {
                            Output::File(path)
                        }
                    }
                };
                let get = GetArgs {
                    output,
                    force: get.force,
                    fsync: get.fsync,
                    stall: get.stall.unwrap_or(DEFAULT_STALL),
                    size: get.size,
                    max_size: get.max_size,
                    sha256: get.sha256,
                };
                Ok(Command::Get(global, get, v))
            }
            _ => {
                let vendor = v.vendor.expect("a vendor topic names its vendor");
                check_arity(vendor, &v.positional)?;
                Ok(Command::Vendor(global, v))
            }
        }
    }
}

/// How many positionals each vendor takes.
fn check_arity(vendor: Vendor, positional: &[String]) -> Result<(), Usage> {
    let ok = match vendor {
        Vendor::Kie | Vendor::Datalab => positional.len() == 1,
        Vendor::KooDrive => positional.len() >= 2,
        _ => !positional.is_empty(),
    };
    if ok {
        return Ok(());
    }
    Err(match vendor {
        Vendor::Kie => "kie takes exactly one <file-url>".into(),
        Vendor::Datalab => "datalab takes exactly one <file-id>".into(),
        Vendor::KooDrive if positional.is_empty() => {
            "koodrive takes <container-id> <file-id>…".into()
        }
        Vendor::KooDrive => {
            "koodrive takes at least one <file-id> after <container-id> (or - to read them from stdin)"
                .into()
        }
        other => format!(
            "{} takes at least one item (or - to read them from stdin)",
            other.id()
        ),
    })
}

fn unknown_command(name: &str) -> Usage {
    let fake = if cfg!(feature = "fake") {
        ", demo, serve-fake"
    } else {
        ""
    };
    format!("unknown vendor or command {name:?} (kie, datalab, cloudreve, blendvision, koodrive, get, help{fake})")
}

fn message(e: lexopt::Error) -> Usage {
    match e {
        lexopt::Error::UnexpectedValue { option, .. } => format!("{option} takes no value"),
        lexopt::Error::MissingValue { option } => {
            format!("{} needs a value", option.unwrap_or_default())
        }
        lexopt::Error::NonUnicodeValue(v) => {
            format!("argument {:?} is not valid UTF-8", v.to_string_lossy())
        }
        other => other.to_string(),
    }
}

fn value(p: &mut lexopt::Parser) -> Result<OsString, Usage> {
    p.value().map_err(message)
}

fn text(p: &mut lexopt::Parser, name: &str) -> Result<String, Usage> {
    value(p)?
        .into_string()
        .map_err(|_| format!("the value of {name} is not valid UTF-8"))
}

fn seconds(name: &str, text: &str) -> Result<Duration, Usage> {
    let secs: f64 = text
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite())
        .ok_or_else(|| format!("{name} takes a number of seconds, got {text:?}"))?;
    if secs <= 0.0 {
        return Err(format!(
            "{name} {text} would give up at once: give seconds above 0 (the default is 30)"
        ));
    }
    if secs > 86_400.0 {
        return Err(format!(
            "{name} takes at most 86400 seconds (a day), got {text}"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn bytes(name: &str, text: &str) -> Result<u64, Usage> {
    text.parse()
        .map_err(|_| format!("{name} takes a number of bytes, got {text:?}"))
}
