//! `ecsnet configure` profiles and where a command's endpoint, region and credentials come
//! from: flags, then the environment (the official SDKs' variables), then the profile.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::client::Credentials;

pub const DEFAULT_ENDPOINT: &str = "127.0.0.1:9300";
pub const DEFAULT_REGION: &str = "cn-hangzhou";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    pub region_id: String,
    pub endpoint: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub current: String,
    pub profiles: Vec<Profile>,
}

/// `$ECSNET_CONFIG`, else `$HOME/.ecsnet/config.json`.
pub fn config_path() -> PathBuf {
    if let Some(path) = std::env::var_os("ECSNET_CONFIG") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    PathBuf::from(home).join(".ecsnet").join("config.json")
}

impl ConfigFile {
    pub fn load() -> Result<ConfigFile, String> {
        let path = config_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the file readable by its owner only: it holds secrets.
    pub fn save(&self) -> Result<PathBuf, String> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = config_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self).expect("a config serialises");
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| writeln!(f, "{text}"))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    pub fn profile(&self, name: Option<&str>) -> Option<&Profile> {
        let name = name.unwrap_or(&self.current);
        self.profiles.iter().find(|p| p.name == name)
    }

    pub fn upsert(&mut self, profile: Profile) {
        self.current = profile.name.clone();
        self.profiles.retain(|p| p.name != profile.name);
        self.profiles.push(profile);
    }
}

/// What one command runs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub endpoint: String,
    pub region: String,
    pub credentials: Credentials,
}

/// The command-line overrides a user may give.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn resolve(overrides: &Overrides) -> Result<Target, String> {
    let file = ConfigFile::load()?;
    let profile = file.profile(overrides.profile.as_deref()).cloned();
    if let (Some(name), None) = (&overrides.profile, &profile) {
        return Err(format!(
            "no profile named {name}; create it with `ecsnet configure --profile {name}`"
        ));
    }
    let profile = profile.unwrap_or_default();
    let pick = |flag: &Option<String>, var: &str, stored: &str| {
        flag.clone()
            .or_else(|| env(var))
            .or_else(|| (!stored.is_empty()).then(|| stored.to_string()))
    };
    let access_key_id = pick(
        &overrides.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        &profile.access_key_id,
    );
    let access_key_secret = pick(
        &overrides.access_key_secret,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        &profile.access_key_secret,
    );
    let (Some(access_key_id), Some(access_key_secret)) = (access_key_id, access_key_secret) else {
        return Err("no credentials: run `ecsnet configure`, set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or pass --access-key-id and --access-key-secret".into());
    };
    Ok(Target {
        endpoint: pick(&overrides.endpoint, "ECSNET_ENDPOINT", &profile.endpoint)
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
        region: pick(
            &overrides.region,
            "ALIBABA_CLOUD_REGION_ID",
            &profile.region_id,
        )
        .unwrap_or_else(|| DEFAULT_REGION.to_string()),
        credentials: Credentials {
            access_key_id,
            access_key_secret,
        },
    })
}
