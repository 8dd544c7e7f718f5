//! What every command gets: the resolved settings, the output format, and the clients (talking
//! to the configured services, or to an embedded sandbox with `--sandbox`).

#[cfg(feature = "sandbox")]
use idm_sandbox::{Sandbox, SandboxConfig};
// The transport settings, through the client crate (the same types as idm-http's).
use std::time::Duration;

use idm_http::RetryPolicy;
use jumpcloud::HttpConfig;

#[cfg(feature = "sandbox")]
use crate::config::Source;
use crate::config::{CredFlags, Key, Settings};
use crate::errors::{CliError, CliResult};
use crate::output::{self, Format};

/// Options given before or after any subcommand.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOpts {
    /// Output format [default: table on a terminal; ndjson for listings and json otherwise when piped].
    #[arg(short, long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,
    /// Run against an embedded sandbox with demo data (no credentials needed).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// The profile of the config file to use [env: IDM_PROFILE].
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// More logging on stderr (-v: requests and retries, -vv: everything); secrets never shown.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Write CSV cells exactly as they are. By default a cell starting with = + - @ tab or CR
    /// gets a leading ' so that a spreadsheet does not run it as a formula.
    #[arg(long, global = true)]
    pub csv_raw: bool,
    #[command(flatten)]
    pub creds: CredFlags,
}

/// A command's environment.
pub struct Ctx {
    /// The resolved settings.
    pub settings: Settings,
    output: Option<Format>,
    #[cfg(feature = "sandbox")]
    sandbox: Option<Sandbox>,
    umapi_unpaced: bool,
}

impl Ctx {
    /// Resolves the settings and, with `--sandbox`, starts the embedded sandbox and points
    /// every setting at it.
    pub async fn new(global: &GlobalOpts) -> CliResult<Ctx> {
        #[cfg_attr(not(feature = "sandbox"), allow(unused_mut))]
        let mut settings = Settings::resolve(&global.creds, global.profile.as_deref())?;
        #[cfg(not(feature = "sandbox"))]
        if global.sandbox {
            return Err(CliError::usage(
                "this idm was built without the embedded sandbox (cargo feature `sandbox`, on by \
                 default): rebuild it with the feature, or run `idm sandbox serve` from a full \
                 build and point the credentials at it",
            ));
        }
        #[cfg(feature = "sandbox")]
        let sandbox = if global.sandbox {
            let sandbox = Sandbox::start(SandboxConfig::default())
                .await
                .map_err(|e| {
                    CliError::failure(format!("cannot start the embedded sandbox: {e}"))
                })?;
            // Not `jumpcloud_info()`: it writes a system's key file, which only the System
            // Context commands need.
            let um = sandbox.umapi_info();
            let s = |v: String| (Some(v), Source::Sandbox);
            for (key, (value, source)) in [
                (
                    Key::JumpcloudApiKey,
                    s(idm_sandbox::JUMPCLOUD_API_KEY.to_owned()),
                ),
                (Key::JumpcloudOrgId, (None, Source::Unset)),
                (Key::JumpcloudBaseUrl, s(sandbox.base_url())),
                (Key::UmapiOrgId, s(um.org_id)),
                (Key::UmapiClientId, s(um.client_id)),
                (Key::UmapiClientSecret, s(um.client_secret)),
                (Key::UmapiEndpoint, s(um.endpoint)),
                (Key::UmapiImsUrl, s(um.ims)),
                (Key::CaFile, (None, Source::Unset)),
            ] {
                settings.set(key, value, source);
            }
            tracing::info!(base_url = %sandbox.base_url(), "embedded sandbox started");
            Some(sandbox)
        } else {
            None
        };
        Ok(Ctx {
            settings,
            output: global.output,
            #[cfg(feature = "sandbox")]
            sandbox,
            umapi_unpaced: false,
        })
    }

    /// Turns off the UMAPI client's own pacing (its documented per-client limits).
    pub fn with_umapi_unpaced(mut self, unpaced: bool) -> Self {
        self.umapi_unpaced = unpaced;
        self
    }

    /// The output format for a listing (`true`) or a single object.
    pub fn format(&self, listing: bool) -> Format {
        output::choose(self.output, listing)
    }

    /// The format the user asked for, if any.
    pub fn format_flag(&self) -> Option<Format> {
        self.output
    }

    /// Stops the embedded sandbox, if any.
    pub async fn finish(self) {
        #[cfg(feature = "sandbox")]
        if let Some(s) = self.sandbox {
            s.shutdown().await;
        }
    }

    /// Whether the commands run against the embedded sandbox.
    /// Whether the commands run against the embedded sandbox (`--sandbox`).
    pub fn embedded(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return self.sandbox.is_some();
        #[cfg(not(feature = "sandbox"))]
        false
    }

    fn http_config(&self) -> CliResult<HttpConfig> {
        let mut http = HttpConfig::default();
        if let Some(ca) = self.settings.get(Key::CaFile) {
            http = http.ca_file(ca);
        }
        Ok(http.retry(self.retry_policy()?))
    }

    /// The retry policy of `retries` and `retry_delay`; a value that is not a number is a usage
    /// error naming the setting and where it came from.
    fn retry_policy(&self) -> CliResult<RetryPolicy> {
        let bad = |key: Key, want: &str| {
            let (value, source) = self.settings.value_and_source(key);
            CliError::usage(format!(
                "{} = {:?} (from {source}) is not {want}; set {} or {} to one",
                key.name(),
                crate::sanitize::line(value.unwrap_or_default()),
                key.flag(),
                key.env()
            ))
        };
        let mut policy = RetryPolicy::default();
        if let Some(v) = self.settings.get(Key::Retries) {
            let n: u32 = v
                .trim()
                .parse()
                .ok()
                .filter(|n| *n <= 100)
                .ok_or_else(|| bad(Key::Retries, "a whole number from 0 to 100"))?;
            policy = policy.max_attempts(n + 1);
        }
        if let Some(v) = self.settings.get(Key::RetryDelay) {
            let secs: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && (0.0..=3600.0).contains(s))
                .ok_or_else(|| bad(Key::RetryDelay, "a number of seconds from 0 to 3600"))?;
            policy = policy.base_delay(Duration::from_secs_f64(secs));
        }
        if let Some(v) = self.settings.get(Key::MaxWait) {
            let secs: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && (0.0..=86_400.0).contains(s))
                .ok_or_else(|| bad(Key::MaxWait, "a number of seconds from 0 to 86400"))?;
            policy = policy.max_wait(Duration::from_secs_f64(secs));
        }
        Ok(policy)
    }

    /// `rate_time_scale`, when it is not 1: a positive number, else a usage error.
    fn rate_time_scale(&self) -> CliResult<Option<f64>> {
        let Some(v) = self.settings.get(Key::RateTimeScale) else {
            return Ok(None);
        };
        let scale: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && (0.001..=100_000.0).contains(s))
            .ok_or_else(|| {
                let (value, source) = self.settings.value_and_source(Key::RateTimeScale);
                CliError::usage(format!(
                    "rate_time_scale = {:?} (from {source}) is not a number from 0.001 to 100000; set --rate-time-scale or IDM_RATE_TIME_SCALE to one",
                    crate::sanitize::line(value.unwrap_or_default()),
                ))
            })?;
        Ok((scale != 1.0).then_some(scale))
    }

    /// A JumpCloud client. Without an API key it is an auth error, unless `signed` (System
    /// Context Authorization signs instead).
    pub fn jumpcloud(
        &self,
        signed: Option<jumpcloud::SystemContext>,
    ) -> CliResult<jumpcloud::Client> {
        let key = self.settings.get(Key::JumpcloudApiKey);
        if key.is_none() && signed.is_none() {
            return Err(missing(&self.settings, &[Key::JumpcloudApiKey]));
        }
        let mut b = jumpcloud::Client::builder().http_config(self.http_config()?);
        if let Some(url) = self.settings.get(Key::JumpcloudBaseUrl) {
            b = b.base_url(url);
        }
        if let (Some(k), None) = (key, &signed) {
            b = b.api_key(k);
        }
        if let Some(org) = self.settings.get(Key::JumpcloudOrgId) {
            b = b.org_id(org);
        }
        if let Some(ctx) = signed {
            b = b.system_context(ctx);
        }
        Ok(b.build()?)
    }

    /// A JumpCloud client set up by `configure` (a sync's connector file); idm's transport
    /// settings (CA file, retries) still apply.
    pub fn jumpcloud_with(
        &self,
        configure: impl FnOnce(jumpcloud::ClientBuilder) -> jumpcloud::ClientBuilder,
    ) -> CliResult<jumpcloud::Client> {
        let b = jumpcloud::Client::builder().http_config(self.http_config()?);
        Ok(configure(b).build()?)
    }

    /// A UMAPI client set up by `configure` (a sync's connector file) instead of the
    /// credential settings; idm's transport settings (CA file, retries) still apply.
    pub fn umapi_with(
        &self,
        test_mode: bool,
        configure: impl FnOnce(umapi::ClientBuilder) -> umapi::Result<umapi::ClientBuilder>,
    ) -> CliResult<umapi::Client> {
        let mut b = umapi::Client::builder()
            .http_config(self.http_config()?)
            .test_mode(test_mode);
        if self.embedded() || self.umapi_unpaced {
            // The embedded sandbox does not throttle, and --no-rate-limit asks for no pacing.
            b = b.rate_limits(umapi::RateLimits::unlimited());
        } else if let Some(scale) = self.rate_time_scale()? {
            b = b.rate_limits(umapi::RateLimits::default().time_scale(scale));
        }
        Ok(configure(b)?.build()?)
    }

    /// A UMAPI client; `test_mode` validates actions without changing anything.
    pub fn umapi(&self, test_mode: bool) -> CliResult<umapi::Client> {
        let needed = [Key::UmapiOrgId, Key::UmapiClientId, Key::UmapiClientSecret];
        let missing_keys: Vec<Key> = needed
            .iter()
            .copied()
            .filter(|k| self.settings.get(*k).is_none())
            .collect();
        if !missing_keys.is_empty() {
            return Err(missing(&self.settings, &missing_keys));
        }
        let get = |k| self.settings.get(k).unwrap_or_default();
        tracing::info!(
            target: "idm::request",
            "UMAPI {} for organisation {}",
            idm_http::redact_url(
                self.settings
                    .get(Key::UmapiEndpoint)
                    .unwrap_or(umapi::DEFAULT_ENDPOINT)
            ),
            get(Key::UmapiOrgId)
        );
        self.umapi_with(test_mode, |mut b| {
            b = b
                .org_id(get(Key::UmapiOrgId))
                .oauth(get(Key::UmapiClientId), get(Key::UmapiClientSecret));
            if let Some(e) = self.settings.get(Key::UmapiEndpoint) {
                b = b.endpoint(e);
            }
            if let Some(i) = self.settings.get(Key::UmapiImsUrl) {
                b = b.ims_url(i);
            }
            Ok(b)
        })
    }
}

/// The auth error for missing settings, naming every way to set them.
fn missing(settings: &Settings, keys: &[Key]) -> CliError {
    let names: Vec<String> = keys
        .iter()
        .map(|k| format!("{} ({})", k.env(), k.flag()))
        .collect();
    let file = settings
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the config file".into());
    CliError::auth(format!(
        "missing credentials: set {} or put {} in a profile of {file}; or try --sandbox",
        names.join(", "),
        keys.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
    ))
}
