//! Imported private keys: the text a user pastes (or pipes to `polyagent wallet import`) is
//! parsed as the vault and the runtime parse it; a key it accepts must be one secp256k1
//! accepts, since the vault derives its address with an `expect` on exactly that.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_venue::signing::OrderSigner;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The runtime takes the key as a secret string first.
    let Ok(secret) = SecretString::new(text) else {
        return;
    };
    let Ok(key) = PrivateKey::from_hex(secret.expose_str()) else {
        return;
    };
    let signer = alloy_signer_local::PrivateKeySigner::from_slice(key.expose_bytes())
        .expect("a parsed key is a valid secp256k1 scalar");
    let ours = OrderSigner::new(&key).expect("the order signer takes every parsed key");
    assert_eq!(ours.address(), signer.address());
});
