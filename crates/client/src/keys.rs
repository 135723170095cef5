//! Keys and accounts: the signing key of `--suri` or `--suri-file`, accounts as users
//! type them (SS58, `0x`-hex, a dev name) and as they are shown (SS58, with the dev name
//! where there is one).
//!
//! A secret is never mistaken for a path nor a path for a secret: [`keypair`] takes a
//! secret URI only, [`keypair_from_file`] a file holding one, and refuses a file that
//! other users may read.

use anyhow::{anyhow, Result};
use std::{path::Path, str::FromStr, sync::LazyLock};
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// A dev account's key, made on demand.
type DevKey = fn() -> Keypair;

/// The dev accounts of `ghost-node --dev`, by name.
const DEV: [(&str, DevKey); 6] = [
    ("Alice", subxt_signer::sr25519::dev::alice),
    ("Bob", subxt_signer::sr25519::dev::bob),
    ("Charlie", subxt_signer::sr25519::dev::charlie),
    ("Dave", subxt_signer::sr25519::dev::dave),
    ("Eve", subxt_signer::sr25519::dev::eve),
    ("Ferdie", subxt_signer::sr25519::dev::ferdie),
];

/// Why a key could not be had. The messages never quote the secret.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The text is not a secret URI.
    #[error("the key is not a secret URI (//Alice, a mnemonic, a 0x seed): {0}")]
    NotSecretUri(String),
    /// The text looks like a file path, which a secret URI never is.
    #[error("the key looks like a file path, not a secret URI: give a key file with --suri-file (or GHOST_SURI_FILE)")]
    LooksLikePath,
    /// The key file cannot be read.
    #[error("cannot read the key file {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The key file may be read by other users.
    #[error(
        "the key file {path} may be read by other users (mode {mode:03o}): make it private with `chmod 600 {path}`"
    )]
    Exposed {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file holds a text that is not a secret URI.
    #[error("the key file {path} holds no secret URI (//Alice, a mnemonic, a 0x seed): {why}")]
    BadFile {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
}

/// The key of a secret URI (`//Alice`, a mnemonic with optional `//derivation` and
/// `///password`, a `0x` seed). Never read as a path: see [`keypair_from_file`].
pub fn keypair(suri: &str) -> Result<Keypair, KeyError> {
    // `/etc/key` would parse: soft derivations `/etc` and `/key` of the public dev phrase,
    // a key anyone can take. No one means that; they mean the file.
    let single_slash = suri.starts_with('/') && !suri.starts_with("//");
    if single_slash || ["./", "../", "~/"].iter().any(|p| suri.starts_with(p)) {
        return Err(KeyError::LooksLikePath);
    }
    let uri = SecretUri::from_str(suri).map_err(|e| KeyError::NotSecretUri(e.to_string()))?;
    Keypair::from_uri(&uri).map_err(|e| KeyError::NotSecretUri(e.to_string()))
}

/// The key of the secret URI held in the file at `path` (surrounding white space
/// ignored). On unix the file must be private to its owner (no permission bit for group
/// or others), as `ssh` requires of its keys.
pub fn keypair_from_file(path: &Path) -> Result<Keypair, KeyError> {
    let shown = path.display().to_string();
    let unreadable = |source| KeyError::Unreadable { path: shown.clone(), source };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(unreadable)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed { path: shown, mode });
        }
    }
    let text = std::io::read_to_string(file).map_err(unreadable)?;
    keypair(text.trim()).map_err(|e| match e {
        KeyError::NotSecretUri(why) => KeyError::BadFile { path: shown, why },
        other => other,
    })
}

/// Whether `suri` holds nothing secret: a derivation (`//Alice`, `//prover`) of the
/// well-known dev phrase, which any URI without a phrase or seed derives from. Showing it
/// gives nothing away; any other secret URI on a command line does.
pub fn is_dev_uri(suri: &str) -> bool {
    suri.starts_with("//") && !suri.contains("///")
}

/// The account of a key.
pub fn account_of(key: &Keypair) -> AccountId32 {
    key.public_key().to_account_id()
}

/// An account given on the command line: SS58 or `0x`-hex, or a dev name (`alice`).
pub fn parse_account(text: &str) -> Result<AccountId32> {
    if let Some((_, key)) = DEV.iter().find(|(name, _)| name.eq_ignore_ascii_case(text)) {
        return Ok(account_of(&key()));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        let bytes: [u8; 32] = hex::decode(hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| anyhow!("{text} is not a 32-byte hex account"))?;
        return Ok(AccountId32(bytes));
    }
    AccountId32::from_str(text).map_err(|e| anyhow!("{text} is not an account (SS58, 0x-hex or a dev name): {e}"))
}

/// The dev accounts by name, derived once (a derivation is a PBKDF2 of the dev phrase).
static DEV_ACCOUNTS: LazyLock<Vec<(AccountId32, &'static str)>> =
    LazyLock::new(|| DEV.iter().map(|(name, key)| (account_of(&key()), *name)).collect());

/// The dev name of `account` (`Alice`), if it is one of the dev accounts.
pub fn dev_name(account: &AccountId32) -> Option<&'static str> {
    DEV_ACCOUNTS.iter().find(|(dev, _)| dev == account).map(|(_, name)| *name)
}

/// An account for people: SS58, followed by the dev name where there is one.
pub fn show_account(account: &AccountId32) -> String {
    match dev_name(account) {
        Some(name) => format!("{account} ({name})"),
        None => account.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_primitives::hex0x;

    #[test]
    fn keys_and_accounts_parse_in_every_form() {
        let alice = account_of(&keypair("//Alice").unwrap());
        assert_eq!(alice, account_of(&subxt_signer::sr25519::dev::alice()));
        assert_eq!(parse_account("alice").unwrap(), alice);
        assert_eq!(parse_account(&alice.to_string()).unwrap(), alice);
        assert_eq!(parse_account(&hex0x(&alice.0)).unwrap(), alice);
        assert!(parse_account("0x12").is_err());
        assert!(parse_account("nobody").is_err());
        let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
        assert_eq!(account_of(&keypair(&format!("{phrase}//Alice")).unwrap()), alice);
        assert!(keypair("not a key").unwrap_err().to_string().contains("secret URI"));
    }

    /// A secret URI is never read as a path: `//name` is a derivation even when a file
    /// `/name` exists, and a path given as a secret is refused.
    #[test]
    fn a_secret_is_never_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "//Alice\n").unwrap();
        set_mode(&path, 0o600);
        assert!(matches!(keypair(path.to_str().unwrap()), Err(KeyError::LooksLikePath)));
        assert!(matches!(keypair("./key"), Err(KeyError::LooksLikePath)));
        // `//` + the path is a hard derivation of the dev phrase, whatever the file holds.
        let derived = account_of(&keypair(&format!("/{}", path.display())).unwrap());
        assert_ne!(derived, account_of(&subxt_signer::sr25519::dev::alice()));
    }

    #[test]
    fn key_files_must_be_private() {
        let alice = account_of(&subxt_signer::sr25519::dev::alice());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "  //Alice\n").unwrap();
        set_mode(&path, 0o600);
        assert_eq!(account_of(&keypair_from_file(&path).unwrap()), alice);
        set_mode(&path, 0o400);
        assert_eq!(account_of(&keypair_from_file(&path).unwrap()), alice);
        #[cfg(unix)]
        for mode in [0o644, 0o640, 0o604, 0o660] {
            set_mode(&path, mode);
            let refused = keypair_from_file(&path).unwrap_err();
            assert!(matches!(refused, KeyError::Exposed { .. }), "mode {mode:o}: {refused}");
            let said = refused.to_string();
            assert!(said.contains("chmod 600") && said.contains(&format!("{mode:o}")), "{said}");
            assert!(!said.contains("Alice"), "the secret is quoted: {said}");
        }
        set_mode(&path, 0o600);
        std::fs::write(&path, "not a key").unwrap();
        let refused = keypair_from_file(&path).unwrap_err();
        assert!(matches!(refused, KeyError::BadFile { .. }) && !refused.to_string().contains("not a key"), "{refused}");
        assert!(matches!(keypair_from_file(&dir.path().join("none")), Err(KeyError::Unreadable { .. })));
    }

    #[test]
    fn dev_uris_hold_no_secret() {
        assert!(is_dev_uri("//Alice") && is_dev_uri("//prover//1"));
        let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
        for secret in [phrase, "0x1234", "//Alice///password"] {
            assert!(!is_dev_uri(secret), "{secret}");
        }
    }

    fn set_mode(path: &std::path::Path, mode: u32) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = (path, mode);
    }

    #[test]
    fn dev_accounts_are_shown_with_their_names() {
        let bob = account_of(&subxt_signer::sr25519::dev::bob());
        assert_eq!(dev_name(&bob), Some("Bob"));
        assert_eq!(show_account(&bob), format!("{bob} (Bob)"));
        let other = AccountId32([7; 32]);
        assert_eq!(show_account(&other), other.to_string());
    }
}
