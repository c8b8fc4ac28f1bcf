//! The help texts: one for `dlurl --help`, one per command (`dlurl <command>
//! --help`, `dlurl help <command>`), each showing only its command.

use std::time::Duration;

use download_url::{RetryPolicy, Vendor};

use crate::args::Topic;

/// The help text of `topic`.
pub fn text(topic: Topic) -> String {
    let body = match topic {
        Topic::Global => return global(),
        Topic::Kie => KIE,
        Topic::Datalab => DATALAB,
        Topic::Cloudreve => CLOUDREVE,
        Topic::BlendVision => BLENDVISION,
        Topic::KooDrive => KOODRIVE,
        Topic::Get => GET,
        Topic::Demo => DEMO,
        Topic::ServeFake => SERVE_FAKE,
        Topic::Help => HELP,
    };
    let tail = match topic {
        Topic::Get => GET_EXIT,
        Topic::Demo | Topic::ServeFake | Topic::Help => "",
        _ => VENDOR_TAIL,
    };
    let options = options(match topic {
        Topic::Kie => &[Vendor::Kie],
        Topic::Datalab => &[Vendor::Datalab],
        Topic::Cloudreve => &[Vendor::Cloudreve],
        Topic::BlendVision => &[Vendor::BlendVision],
        Topic::KooDrive => &[Vendor::KooDrive],
        _ => &Vendor::ALL,
    });
    format!("{body}\n{options}{tail}")
}

fn global() -> String {
    let fake = if cfg!(feature = "fake") {
        concat!(
            "  dlurl demo                                    every vendor against the built-in fake servers\n",
            "  dlurl serve-fake                              serve the fake vendors; prints export lines to try them\n",
        )
    } else {
        ""
    };
    format!(
        "\
usage: dlurl [options] <command> [command options] <args…>

commands:
  dlurl kie <file-url>                          credential: KIE_API_KEY
  dlurl datalab [--expires-in SECS] [--team ID] <file-id>
                                                credential: DATALAB_API_KEY
  dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
                  [--use-primary-site-url] [--entity ID] <uri|path>…
                                                site: --base-url or CLOUDREVE_BASE_URL; CLOUDREVE_TOKEN optional
  dlurl blendvision [--login-token] [--org-id ID] <file-id>…
                                                credentials: BLENDVISION_API_TOKEN, BLENDVISION_ORG_ID
  dlurl koodrive [--token-prefix P] [--share-folder ID] [--trace-id ID] [--language L]
                 <container-id> <file-id>…      credentials: KOODRIVE_USER_ID and KOODRIVE_TOKEN, or KOODRIVE_APP_ID + KOODRIVE_APP_SECRET
  dlurl get [-o DIR|FILE|-] [--force] … <vendor> <args…>
                                                fetch the files behind the links
{fake}  dlurl help <command>                          the help of one command (also dlurl <command> --help)

  cloudreve, blendvision and koodrive read their ids from stdin, one per line
  (blank lines ignored), when the only id given is -  (e.g. dlurl koodrive <container-id> -);
  they are sent 10000 at a time and each group's results printed as it finishes.

{options}{VENDOR_TAIL}",
        options = options(&Vendor::ALL),
    )
}

/// [`OPTIONS`] with, after `--retries`, the documented retry policy of each
/// of `vendors` (from the library, so the numbers cannot drift).
fn options(vendors: &[Vendor]) -> String {
    let mut policies = String::new();
    for &vendor in vendors {
        let policy = RetryPolicy::for_vendor(vendor);
        policies.push_str(&format!(
            "                     {:<12} backoff {} to {}, Retry-After up to {}, {} in all\n",
            vendor.id(),
            span(policy.base_delay),
            span(policy.max_delay),
            span(policy.max_retry_after),
            span(policy.max_total),
        ));
    }
    OPTIONS.replacen("{retry policies}\n", &policies, 1)
}

/// `500 ms`, `1 s`, `1.5 s`.
fn span(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs_f64())
    }
}

/// The options every command takes (anywhere before `--`).
const OPTIONS: &str = "\
options (anywhere before --, before or after the command):
  --base-url URL   replace the vendor's default host (self-hosting, proxies, tests);
                   otherwise <VENDOR>_BASE_URL from the environment
  --json           print one JSON object (below); exit codes unchanged
  --jsonl          print one JSON object per line as results arrive (below)
  --timeout SECS   stall timeout above 0, at most 86400: a call ends when connecting or any
                   read or write makes no progress for SECS; each phase (send request,
                   send body, receive head, receive body) ends within 2 x SECS (default 30)
  --retries N      retry rate limits, maintenance and transient failures up to N times
                   (0-100, default 0) with the vendor's documented waits: a backoff
                   doubling from its first wait to its longest (with jitter), or the
                   reply's Retry-After when within the vendor's bound (a longer one ends
                   the retries at once); no wait runs past the vendor's total:
{retry policies}
  --cacert FILE    trust the certificates of this PEM file instead of the built-in roots
                   (a private CA); SSL_CERT_FILE and SSL_CERT_DIR are read the same way
  --allow-insecure-http
                   allow credentials over plain http:// to a host that is not loopback
                   (e.g. a self-hosted Cloudreve on a LAN without TLS)
  -v, --verbose    one line per HTTP request on stderr: method, URL without its query,
                   status, time taken (never a credential)
  -h, --help       print the help of the command given (this one without a command)
  -V, --version    print the version
  --               end of options: every later argument is an id, even one starting with -

  a valued option takes its value as the next argument or as --flag=value;
  short options combine (-vh).
";

const VENDOR_TAIL: &str = "
output: one line per link: <url> TAB <file name or -> TAB <expiry: RFC 3339 UTC, never, or - when unknown>;
        characters a terminal acts on (controls, bidi, zero-width, soft hyphen, tags) a server
        sent are shown as spaces. Failed items: one line each on stderr, `dlurl: failed: …`.
        What a reply said that no asked item can take (an id not asked for, a failure naming
        no item): one line each on stderr, `dlurl: not attributed: …` (never a link's URL).
  --json: {\"links\": [link…], \"failures\": [failure…], \"unattributed\": [unattributed…]};
          a call that failed as a whole: {\"error\": {\"vendor\", \"kind\", \"cause\",
          \"http_status\", \"code\", \"message\", \"request_id\", \"retryable\", \"items\"}}
          (missing values are null; \"items\": the vendor's code per item it named, as
          [{\"item\", \"code\", \"message\"}…], e.g. Cloudreve's 40081); when a later group of
          stdin ids fails as a whole, the results so far and \"error\" together.
  --jsonl: one object per line: {\"link\": link} and {\"failure\": failure} in request order,
          each {\"unattributed\": unattributed} after its group's; {\"error\": error}.
  link: {\"vendor\", \"item\", \"url\", \"file_name\", \"expires\"}; failure: {\"vendor\", \"item\", \"reason\"};
  unattributed: {\"vendor\", \"item\" (null when the reply named none),
          \"answer\": {\"link\": link} or {\"failed\": reason}}.
exit codes: 0 every link obtained; 1 the vendor refused, or every item failed;
            2 usage error or invalid input (nothing was sent);
            3 transport failure, unexpected response, or stdout not writable;
            4 some items failed (links on stdout), or a later group of stdin ids failed
              as a whole after earlier groups were printed;
            unattributed answers change none of them
";

const KIE: &str = "\
usage: dlurl kie <file-url>

  a temporary download link for a file kie.ai generated (POST /api/v1/common/download-url).
  credential: KIE_API_KEY; host: --base-url or KIE_BASE_URL.
";

const DATALAB: &str = "\
usage: dlurl datalab [--expires-in SECS] [--team ID] <file-id>

  a presigned link for a Datalab file (a number or a hashid).
  --expires-in SECS  how long the link stays valid (the vendor accepts 60-86400)
  --team ID          act for this team (cookie datalab_active_team); also DATALAB_TEAM
  credential: DATALAB_API_KEY; host: --base-url or DATALAB_BASE_URL.
";

const CLOUDREVE: &str = "\
usage: dlurl cloudreve [--download] [--redirect] [--archive] [--skip-error] [--no-cache]
                       [--use-primary-site-url] [--entity ID] <uri|path>…

  links for files of a Cloudreve v4 site; a plain path becomes cloudreve://my/<path>;
  - as the only item reads them from stdin, one per line.
  --download              an attachment rather than an inline (preview) link
  --redirect              one URI: the server answers with a redirect (not followed)
  --archive               one link for an archive of all the items
  --skip-error            items that fail are listed as failures instead of failing the call
  --no-cache              a fresh link, not a cached one
  --use-primary-site-url  links on the site's primary URL
  --entity ID             this blob (entity) of the file; one URI only
  site: --base-url or CLOUDREVE_BASE_URL (required); CLOUDREVE_TOKEN optional.
";

const BLENDVISION: &str = "\
usage: dlurl blendvision [--login-token] [--org-id ID] <file-id>…

  links for BlendVision One library files (one id: the single-file call; several: the batch
  call); - as the only id reads them from stdin, one per line.
  --login-token  BLENDVISION_API_TOKEN is a login access token, which names its organization:
                 the organization id becomes optional
  --org-id ID    act for this organization (x-bv-org-id); otherwise BLENDVISION_ORG_ID
  credentials: BLENDVISION_API_TOKEN and BLENDVISION_ORG_ID; host: --base-url or BLENDVISION_BASE_URL.
";

const KOODRIVE: &str = "\
usage: dlurl koodrive [--token-prefix P] [--share-folder ID] [--trace-id ID] [--language L]
                      <container-id> <file-id>…

  links for files of a KooDrive space; <container-id> - reads the file ids from stdin.
  --token-prefix P   what goes before the token in Authorization: 'Bearer ' (default), ''
                     (the raw token) or 'Bearer+'; also KOODRIVE_TOKEN_PREFIX
  --share-folder ID  act inside this shared folder (x-hw-share-folder-id)
  --trace-id ID      X-Traceid to send
  --language L       the language header (default en)
  credentials: KOODRIVE_USER_ID and KOODRIVE_TOKEN, or KOODRIVE_USER_ID and KOODRIVE_APP_ID +
  KOODRIVE_APP_SECRET; host: --base-url or KOODRIVE_BASE_URL.
";

const GET: &str = "\
usage: dlurl get [-o DIR|FILE|-] [--force] [--fsync] [--stall SECS] [--size N]
                 [--max-size N] [--sha256 HEX] <vendor> [vendor options] <args…>

  fetches the file behind every link the vendor command returns (see dlurl help <vendor>).
  -o DIR       save into DIR (default: the current directory) under the link's file
               name, else the server's Content-Disposition, else the URL's last path
               segment — without path separators, `..` or control characters; a name
               used twice gets \" (2)\" before its extension
  -o FILE      save the one file as FILE (the request must name one item)
  -o -         stream the one file to stdout (the request must name one item)
  --force      replace an existing file (otherwise it is skipped); a symlink there is
               replaced itself, never followed
  --fsync      write each file to disk before it takes its name, so that it also
               survives a power loss (slower; without it, as with curl, a file is
               complete whenever dlurl stops, but the system must stay up)
  --stall SECS give up on a transfer after SECS without a byte (default 30), resuming
               it up to 5 times first
  --size N     the file must be exactly N bytes: more is refused as it arrives, less
               is resumed, never saved (one item only)
  --max-size N the file may be at most N bytes (stopped as soon as more arrives)
  --sha256 HEX the file's SHA-256 (64 hex digits; one item only)

  a transfer that breaks off resumes where it stopped, also in a later run (the
  temporary .dlurl-part file beside the target); an expired link is refreshed by
  asking the vendor again for that item alone. files dlurl did not create (another
  user's, a symlink) are never written or trusted. stdout: one line per file saved
  (its path); if stdout is closed early the remaining files are still saved. A
  progress bar is drawn on stderr when stderr is a terminal. Another run on the same
  target: that file fails at once.
";

const GET_EXIT: &str = "
  --json: {\"files\": [{\"item\", \"path\", \"bytes\", \"sha256\"}…], \"failures\": [failure…],
          \"unattributed\": [unattributed…]} (a vendor's failed item: {\"vendor\", \"item\",
          \"reason\"}; a file that failed: {\"item\", \"error\": error}; unattributed: what the
          reply said that no asked item can take, never fetched — see dlurl help <vendor>); a
          call that failed as a whole: {\"error\": error}.
  --jsonl: {\"file\": …}, {\"failure\": …}, {\"unattributed\": …}, {\"error\": …}, one per line.
exit codes: 0 every file saved (or skipped as existing); 1 the vendor refused or every item
            failed at the vendor; 2 usage (nothing was sent); 3 every file failed, a
            transport failure asking for the links, or stdout not writable; 4 some files
            or items failed;
            unattributed answers change none of them
";

const DEMO: &str = "\
usage: dlurl demo

  asks every vendor of this build for a link from the built-in fake servers (offline) and
  fetches one file from the fake file host, broken off midway and its link expired on
  the way. Each stdout line: <vendor> TAB <what was asked> TAB <url> TAB <name> TAB <expiry>;
  with --json: {\"links\": […], \"failures\": […]}.
";

const SERVE_FAKE: &str = "\
usage: dlurl serve-fake

  starts the built-in fake vendors and file host on 127.0.0.1 and prints, for each vendor,
  the export lines (base URL and credentials) that make the other commands use them, e.g.
      eval \"$(dlurl serve-fake & sleep 1)\"    # or copy the lines into another shell
  then serves until interrupted (Ctrl-C). Known items: kie any file URL; datalab 42;
  cloudreve 'The Man.mp3'; blendvision 63df97e3-519b-4426-bf01-d1841cdc2ccd; koodrive
  the container and file id printed.
";

const HELP: &str = "\
usage: dlurl help [<command>]

  the help of one command: kie, datalab, cloudreve, blendvision, koodrive, get, demo,
  serve-fake; without a command, the overview.
";
