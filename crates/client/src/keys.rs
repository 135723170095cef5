//! Keys and accounts: the signing key of `--suri`, accounts as users type them (SS58,
//! `0x`-hex, a dev name) and as they are shown (SS58, with the dev name where there is one).

use anyhow::{anyhow, Context, Result};
use std::{str::FromStr, sync::LazyLock};
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

/// The key of `--suri`: a secret URI (`//Alice`, a mnemonic with optional `//derivation`,
/// a `0x` seed), or the path of a file holding one.
pub fn keypair(suri: &str) -> Result<Keypair> {
    let text = if std::path::Path::new(suri).is_file() {
        std::fs::read_to_string(suri).with_context(|| format!("reading the key file {suri}"))?.trim().to_string()
    } else {
        suri.to_string()
    };
    let refused = |e: &dyn std::fmt::Display| {
        anyhow!("the key is not a secret URI (//Alice, a mnemonic, a 0x seed) nor a file holding one: {e}")
    };
    let uri = SecretUri::from_str(&text).map_err(|e| refused(&e))?;
    Keypair::from_uri(&uri).map_err(|e| refused(&e))
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "//Alice\n").unwrap();
        assert_eq!(account_of(&keypair(path.to_str().unwrap()).unwrap()), alice);
        let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
        assert_eq!(account_of(&keypair(&format!("{phrase}//Alice")).unwrap()), alice);
        assert!(keypair("not a key").unwrap_err().to_string().contains("secret URI"));
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
