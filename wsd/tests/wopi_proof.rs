//! Proof keys: Microsoft's published test vector, real key files, rotation, and signatures
//! checked by aws-lc-rs' verifier from the (modulus, exponent) discovery publishes.

use std::os::unix::fs::PermissionsExt;

use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use oxool_wsd::wopi::proof::{capi_public_key_blob, signed_bytes, ProofKeyAttributes, ProofKeys};

// Microsoft's WOPI proof test vector (Office-Online-Test-Tools-and-Documentation,
// SampleWopiHandler.UnitTests/ProofKeyTests.cs, "current key" case), as republished by
// several WOPI libraries.
const MS_VALUE: &str = "BgIAAACkAABSU0ExAAgAAAEAAQDFEthb5dkE+fGnJgsmY3IXmoFxj1cOwVYLpLNTEksnVRzbXcPfaSl/kFxn5b4QajhH1sTtXECZY6ZUyiDi1NG5ukFc9Fppgt0ywnuJqNBRWPfvLTOaVZRTtr8X8hqL+dPldOI3qFUW2zF6DEsAO9y74l3s6MqNjawCME5X0jb28TOrbXXsDfIGLEN3VBFO3wyhlRZKOmR9ZiqxQbpOz0Ltgv3HYci9OVN9c8YYV5T+fHI0Wtxg4F9lJHlB6MHPV9seVqr4ieM027NG89LhHm9BJEtceII09JgmkwLFUB/s2YGirUwZewk0efw1GL861PE7Vjdn2bIdmGSCRfFQlnPQ";
const MS_MODULUS: &str = "0HOWUPFFgmSYHbLZZzdWO/HUOr8YNfx5NAl7GUytooHZ7B9QxQKTJpj0NIJ4XEskQW8e4dLzRrPbNOOJ+KpWHttXz8HoQXkkZV/gYNxaNHJ8/pRXGMZzfVM5vchhx/2C7ULPTrpBsSpmfWQ6ShaVoQzfThFUd0MsBvIN7HVtqzPx9jbSV04wAqyNjcro7F3iu9w7AEsMejHbFlWoN+J05dP5ixryF7+2U5RVmjMt7/dYUdCoiXvCMt2CaVr0XEG6udHU4iDKVKZjmUBc7cTWRzhqEL7lZ1yQfylp38Nd2xxVJ0sSU7OkC1bBDlePcYGaF3JjJgsmp/H5BNnlW9gSxQ==";
const MS_EXPONENT: &str = "AQAB";
const MS_TOKEN: &str = "yZhdN1qgywcOQWhyEMVpB6NE3pvBksvcLXsrFKXNtBeDTPW%2fu62g2t%2fOCWSlb3jUGaz1zc%2fzOzbNgAredLdhQI1Q7sPPqUv2owO78olmN74DV%2fv52OZIkBG%2b8jqjwmUobcjXVIC1BG9g%2fynMN0itZklL2x27Z2imCF6xELcQUuGdkoXBj%2bI%2bTlKM";
const MS_TICKS: i64 = 635655897610773532;
const MS_URL: &str = "https://contoso.com/wopi/files/vHxYyRGM8VfmSGwGYDBMIQPzuE+sSC6kw+zWZw2Nyg?access_token=yZhdN1qgywcOQWhyEMVpB6NE3pvBksvcLXsrFKXNtBeDTPW%2fu62g2t%2fOCWSlb3jUGaz1zc%2fzOzbNgAredLdhQI1Q7sPPqUv2owO78olmN74DV%2fv52OZIkBG%2b8jqjwmUobcjXVIC1BG9g%2fynMN0itZklL2x27Z2imCF6xELcQUuGdkoXBj%2bI%2bTlKM";
const MS_PROOF: &str = "IflL8OWCOCmws5qnDD5kYMraMGI3o+T+hojoDREbjZSkxbbx7XIS1Av85lohPKjyksocpeVwqEYm9nVWfnq05uhDNGp2MsNyhPO9unZ6w25Rjs1hDFM0dmvYx8wlQBNZ/CFPaz3inCMaaP4PtU85YepaDccAjNc1gikdy3kSMeG1XZuaDixHvMKzF/60DMfLMBIu5xP4Nt8i8Gi2oZs4REuxi6yxOv2vQJQ5+8Wu2Olm8qZvT4FEIQT9oZAXebn/CxyvyQv+RVpoU2gb4BreXAdfKthWF67GpJyhr+ibEVDoIIolUvviycyEtjsaEBpOf6Ne/OLRNu98un7WNDzMTQ==";

fn verify(modulus_b64: &str, exponent_b64: &str, message: &[u8], proof_b64: &str) -> bool {
    let key = RsaPublicKeyComponents {
        n: BASE64.decode(modulus_b64).unwrap(),
        e: BASE64.decode(exponent_b64).unwrap(),
    };
    let signature = BASE64.decode(proof_b64).unwrap();
    key.verify(&RSA_PKCS1_2048_8192_SHA256, message, &signature)
        .is_ok()
}

#[test]
fn microsoft_vector_matches_our_signed_bytes_and_key_blob() {
    let message = signed_bytes(MS_TOKEN, MS_URL, MS_TICKS);
    assert!(verify(MS_MODULUS, MS_EXPONENT, &message, MS_PROOF));
    // The layout really matters: another timestamp or a URL not upper-cased fails.
    assert!(!verify(
        MS_MODULUS,
        MS_EXPONENT,
        &signed_bytes(MS_TOKEN, MS_URL, MS_TICKS + 1),
        MS_PROOF
    ));
    // Our CAPI blob encoder gives Microsoft's `value` from their modulus and exponent.
    let blob = capi_public_key_blob(
        &BASE64.decode(MS_MODULUS).unwrap(),
        &BASE64.decode(MS_EXPONENT).unwrap(),
    )
    .unwrap();
    assert_eq!(BASE64.encode(blob), MS_VALUE);
}

fn check_published_key_verifies(attributes: &ProofKeyAttributes, keys: &ProofKeys) {
    let url = "http://127.0.0.1:9/wopi/files/x?access_token=t%2Fk";
    let proof = keys.sign("t/k", url, 638_000_000_000_000_000).unwrap();
    let message = signed_bytes("t/k", url, 638_000_000_000_000_000);
    assert!(verify(
        &attributes.modulus,
        &attributes.exponent,
        &message,
        &proof.proof
    ));
    assert!(verify(
        &attributes.old_modulus,
        &attributes.old_exponent,
        &message,
        &proof.proof_old
    ));
    // `value` is the same key as modulus/exponent.
    let blob = capi_public_key_blob(
        &BASE64.decode(&attributes.modulus).unwrap(),
        &BASE64.decode(&attributes.exponent).unwrap(),
    )
    .unwrap();
    assert_eq!(BASE64.encode(blob), attributes.value);
    assert_eq!(
        BASE64.decode(&attributes.modulus).unwrap().len(),
        256,
        "RSA 2048"
    );
}

#[test]
fn generate_load_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let key_dir = dir.path().join("proof");
    let keys = ProofKeys::open(&key_dir).unwrap();
    let first = keys.attributes().unwrap();
    // Before any rotation the old key duplicates the current one, as Collabora publishes it.
    assert_eq!(first.old_value, first.value);
    assert_eq!(first.old_modulus, first.modulus);
    check_published_key_verifies(&first, &keys);

    let key_file = key_dir.join("proof_key.pk8");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let mode = std::fs::metadata(&key_dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);

    // A second start loads the same key.
    let again = ProofKeys::open(&key_dir).unwrap();
    assert_eq!(again.attributes().unwrap(), first);

    keys.rotate().unwrap();
    let rotated = keys.attributes().unwrap();
    assert_ne!(rotated.modulus, first.modulus);
    assert_eq!(rotated.old_modulus, first.modulus);
    assert_eq!(rotated.old_value, first.value);
    check_published_key_verifies(&rotated, &keys);
    // The new proof does not verify with the old key: the two signatures differ.
    let proof = keys.sign("t", "http://h/x", 1).unwrap();
    assert_ne!(proof.proof, proof.proof_old);

    // And the rotation is on disk.
    let reopened = ProofKeys::open(&key_dir).unwrap();
    assert_eq!(reopened.attributes().unwrap(), rotated);
}

#[test]
fn interrupted_rotation_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ProofKeys::open(dir.path()).unwrap();
    let before = keys.attributes().unwrap();
    // A crash between moving the current key away and writing the new one.
    std::fs::rename(
        dir.path().join("proof_key.pk8"),
        dir.path().join("proof_key.old.pk8"),
    )
    .unwrap();
    let repaired = ProofKeys::open(dir.path()).unwrap().attributes().unwrap();
    assert_eq!(repaired.old_modulus, before.modulus);
    assert_ne!(repaired.modulus, before.modulus);

    std::fs::write(dir.path().join("proof_key.pk8"), b"not a key").unwrap();
    let err = ProofKeys::open(dir.path())
        .err()
        .expect("garbage key refused");
    assert!(err.to_string().contains("proof_key.pk8"), "{err}");
}

#[test]
fn shared_keys_are_one_set_per_directory() {
    let dir = tempfile::tempdir().unwrap();
    let a = ProofKeys::open_shared(dir.path()).unwrap();
    let b = ProofKeys::open_shared(dir.path()).unwrap();
    a.rotate().unwrap();
    assert_eq!(a.attributes().unwrap(), b.attributes().unwrap());
}
