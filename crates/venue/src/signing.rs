//! Order signatures (signature types 0-3) and the funder addresses they imply.
//!
//! Invariants:
//! - the only holder of key material is [`OrderSigner`]; it is built from a
//!   [`PrivateKey`], prints only its address and
//!   erases the key on drop (volatile write, as `zeroize` does);
//! - signatures are deterministic (RFC 6979) with low `s` and `v ∈ {27, 28}`, byte-equal to
//!   ethers/eth-account/alloy output. They are made with libsecp256k1 (the `secp256k1`
//!   crate, the optional backend of alloy-signer-local), measured ~1.8x faster here than
//!   k256; tests check every signature against alloy's k256 `PrivateKeySigner`;
//! - for `POLY_1271` the order's `signer` is the deposit wallet, the EOA signs an ERC-7739
//!   `TypedDataSign` envelope, and the wire signature is that envelope's 317-byte blob;
//! - the order digest returned with every signature is the plain EIP-712 order hash (the
//!   CLOB's order id) whatever the signature type.

use std::fmt;
use std::sync::LazyLock;

use alloy_primitives::{Address, B256, U256, address, b256, keccak256};
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::SignatureType;
use secp256k1::{Message, Secp256k1, SecretKey, SignOnly};
use zeroize::Zeroizing;

use crate::Error;
use crate::eip712::{Chain, ExchangeDomain, ORDER_TYPE_STRING, OrderV2, typed_data_digest};

/// Polymarket proxy-wallet factory (Polygon only).
pub const PROXY_FACTORY: Address = address!("aB45c5A4B0c941a2F231C04C3f49182e1A254052");
/// `keccak256` of the proxy wallet's init code.
pub const PROXY_INIT_CODE_HASH: B256 =
    b256!("d21df8dc65880a8606f09fe0ce3df9b8869287ab0b058be05aa9e8af6330a00b");
/// Gnosis Safe factory used by Polymarket (Polygon and Amoy).
pub const SAFE_FACTORY: Address = address!("aacFeEa03eb1561C4e67d661e40682Bd20E3541b");
/// `keccak256` of the Safe proxy's init code.
pub const SAFE_INIT_CODE_HASH: B256 =
    b256!("2bce2127ff07fb632d16c8347c4ebf501f4841168bed00d9e6ef715ddb6fcecf");

/// The proxy wallet (signature type 1) a Polymarket account with owner `eoa` lives at.
/// `None` on Amoy, where no proxy factory is deployed.
pub fn proxy_wallet_address(eoa: Address, chain: Chain) -> Option<Address> {
    match chain {
        Chain::Polygon => {
            Some(PROXY_FACTORY.create2(keccak256(eoa.as_slice()), PROXY_INIT_CODE_HASH))
        }
        Chain::Amoy => None,
    }
}

/// The Gnosis Safe (signature type 2) of owner `eoa`. The salt is `keccak256(abi.encode(eoa))`,
/// i.e. over the address left-padded to 32 bytes.
pub fn safe_wallet_address(eoa: Address) -> Address {
    let mut padded = [0u8; 32];
    padded[12..].copy_from_slice(eoa.as_slice());
    SAFE_FACTORY.create2(keccak256(padded), SAFE_INIT_CODE_HASH)
}

/// The `maker`/`signer` pair of an order for one signature type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderParties {
    pub signature_type: SignatureType,
    /// Holds the funds.
    pub maker: Address,
    /// Is checked as the signer by the exchange.
    pub signer: Address,
}

/// A signature as it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub enum OrderSignature {
    /// 65 bytes `r ‖ s ‖ v`, `v ∈ {27, 28}`.
    Ecdsa([u8; 65]),
    /// ERC-7739 blob: inner ECDSA (65) ‖ app domain separator (32) ‖ contents hash (32) ‖
    /// contents type string (186) ‖ its length as u16 big-endian (2).
    Poly1271(Box<[u8; POLY1271_SIGNATURE_LEN]>),
}

/// Length of a wrapped POLY_1271 signature.
pub const POLY1271_SIGNATURE_LEN: usize = 65 + 32 + 32 + ORDER_TYPE_STRING.len() + 2;

impl OrderSignature {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            OrderSignature::Ecdsa(bytes) => bytes,
            OrderSignature::Poly1271(bytes) => bytes.as_slice(),
        }
    }

    /// `0x` + lowercase hex, as sent in the POST body.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(2 + POLY1271_SIGNATURE_LEN * 2);
        self.push_hex(&mut out);
        out
    }

    /// Appends `0x` + lowercase hex to `out` without an intermediate allocation.
    pub fn push_hex(&self, out: &mut String) {
        let bytes = self.as_bytes();
        let mut buf = [0u8; POLY1271_SIGNATURE_LEN * 2];
        let hex_len = bytes.len() * 2;
        // The buffer fits the longest signature, so encoding cannot fail.
        hex::encode_to_slice(bytes, &mut buf[..hex_len]).expect("hex buffer fits");
        out.push_str("0x");
        out.push_str(std::str::from_utf8(&buf[..hex_len]).expect("hex is ASCII"));
    }
}

impl fmt::Debug for OrderSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// An order with its hash and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOrder {
    pub order: OrderV2,
    /// The EIP-712 order hash (the CLOB order id).
    pub digest: B256,
    pub signature: OrderSignature,
}

/// ERC-7739 constants of the deposit wallet's `TypedDataSign` envelope.
struct TypedDataSignConstants {
    typehash: B256,
    name_hash: B256,
    version_hash: B256,
}

static TYPED_DATA_SIGN: LazyLock<TypedDataSignConstants> = LazyLock::new(|| {
    let type_string = format!(
        "TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt){ORDER_TYPE_STRING}"
    );
    TypedDataSignConstants {
        typehash: keccak256(type_string),
        name_hash: keccak256("DepositWallet"),
        version_hash: keccak256("1"),
    }
});

/// Signs orders and L1 auth messages with one secp256k1 key.
pub struct OrderSigner {
    context: Secp256k1<SignOnly>,
    secret: SecretKey,
    address: Address,
}

impl Drop for OrderSigner {
    fn drop(&mut self) {
        self.secret.non_secure_erase();
    }
}

impl fmt::Debug for OrderSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderSigner")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl OrderSigner {
    pub fn new(key: &PrivateKey) -> Result<Self, Error> {
        let secret =
            SecretKey::from_byte_array(key.expose_bytes()).map_err(|_| Error::SigningKey)?;
        let mut context = Secp256k1::signing_only();
        // Side-channel blinding of the context. The seed only has to be unknown to an
        // observer, so deriving it from the key avoids needing an RNG here.
        let mut seed_input = Zeroizing::new([0u8; 64]);
        seed_input[..32].copy_from_slice(key.expose_bytes());
        seed_input[32..].copy_from_slice(&[0x5a; 32]);
        let seed = Zeroizing::new(keccak256(seed_input.as_slice()).0);
        context.seeded_randomize(&seed);
        let public = secret.public_key(&context).serialize_uncompressed();
        let address = Address::from_slice(&keccak256(&public[1..])[12..]);
        Ok(Self {
            context,
            secret,
            address,
        })
    }

    /// The EOA address of the key.
    pub fn address(&self) -> Address {
        self.address
    }

    /// 65-byte `r ‖ s ‖ v` signature of a 32-byte hash.
    pub fn sign_hash(&self, hash: &B256) -> [u8; 65] {
        let signature = self
            .context
            .sign_ecdsa_recoverable(&Message::from_digest(hash.0), &self.secret);
        let (recovery_id, rs) = signature.serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&rs);
        // Recovery ids are 0 or 1 for signatures libsecp256k1 produces; Ethereum adds 27.
        out[64] = 27 + u8::try_from(i32::from(recovery_id)).expect("recovery id is 0..=3");
        out
    }

    /// Works out `maker` and `signer` for a signature type.
    ///
    /// - EOA: both are the key's address; a funder, if given, must be that address.
    /// - POLY_PROXY / POLY_GNOSIS_SAFE: maker is the funder, derived by CREATE2 when absent.
    /// - POLY_1271: maker and signer are the deposit wallet, which must be given.
    pub fn parties(
        &self,
        signature_type: SignatureType,
        funder: Option<Address>,
        chain: Chain,
    ) -> Result<OrderParties, Error> {
        let eoa = self.address();
        if funder == Some(Address::ZERO) {
            return Err(Error::Funder(
                "the funder address may not be the zero address",
            ));
        }
        let (maker, signer) = match signature_type {
            SignatureType::Eoa => match funder {
                None => (eoa, eoa),
                Some(f) if f == eoa => (eoa, eoa),
                Some(_) => {
                    return Err(Error::Funder(
                        "an EOA order is funded by the signing key's own address; drop the funder or pick signature type 1, 2 or 3",
                    ));
                }
            },
            SignatureType::PolyProxy => {
                let maker = match funder {
                    Some(f) => f,
                    None => proxy_wallet_address(eoa, chain).ok_or(Error::Funder(
                        "no proxy wallet factory on this chain; give the funder address",
                    ))?,
                };
                (maker, eoa)
            }
            SignatureType::PolyGnosisSafe => {
                (funder.unwrap_or_else(|| safe_wallet_address(eoa)), eoa)
            }
            SignatureType::Poly1271 => {
                let wallet = funder.ok_or(Error::Funder(
                    "signature type 3 (POLY_1271) needs the deposit wallet as funder",
                ))?;
                (wallet, wallet)
            }
        };
        Ok(OrderParties {
            signature_type,
            maker,
            signer,
        })
    }

    /// Hashes and signs an order for `domain`.
    pub fn sign_order(&self, order: OrderV2, domain: &ExchangeDomain) -> SignedOrder {
        let struct_hash = order.struct_hash();
        let digest = domain.digest(&struct_hash);
        let signature = match order.signature_type {
            SignatureType::Poly1271 => {
                OrderSignature::Poly1271(self.sign_poly1271(&order, &struct_hash, domain))
            }
            _ => OrderSignature::Ecdsa(self.sign_hash(&digest)),
        };
        SignedOrder {
            order,
            digest,
            signature,
        }
    }

    fn sign_poly1271(
        &self,
        order: &OrderV2,
        contents_hash: &B256,
        domain: &ExchangeDomain,
    ) -> Box<[u8; POLY1271_SIGNATURE_LEN]> {
        let constants = &*TYPED_DATA_SIGN;
        let mut envelope = [0u8; 7 * 32];
        envelope[..32].copy_from_slice(constants.typehash.as_slice());
        envelope[32..64].copy_from_slice(contents_hash.as_slice());
        envelope[64..96].copy_from_slice(constants.name_hash.as_slice());
        envelope[96..128].copy_from_slice(constants.version_hash.as_slice());
        envelope[128..160].copy_from_slice(&U256::from(domain.chain.id()).to_be_bytes::<32>());
        // The deposit wallet is the ERC-7739 verifying contract; the salt word stays zero.
        envelope[172..192].copy_from_slice(order.signer.as_slice());
        let envelope_hash = keccak256(envelope);
        let inner = self.sign_hash(&typed_data_digest(&domain.separator, &envelope_hash));

        let mut blob = Box::new([0u8; POLY1271_SIGNATURE_LEN]);
        let type_len = ORDER_TYPE_STRING.len();
        blob[..65].copy_from_slice(&inner);
        blob[65..97].copy_from_slice(domain.separator.as_slice());
        blob[97..129].copy_from_slice(contents_hash.as_slice());
        blob[129..129 + type_len].copy_from_slice(ORDER_TYPE_STRING.as_bytes());
        let len_bytes = u16::try_from(type_len)
            .expect("the order type string is shorter than 64 KiB")
            .to_be_bytes();
        blob[129 + type_len..].copy_from_slice(&len_bytes);
        blob
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANVIL0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn signer() -> OrderSigner {
        OrderSigner::new(&PrivateKey::from_hex(ANVIL0).unwrap()).unwrap()
    }

    #[test]
    fn derives_the_documented_funders() {
        let eoa = signer().address();
        assert_eq!(eoa, address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert_eq!(
            proxy_wallet_address(eoa, Chain::Polygon)
                .unwrap()
                .to_checksum(None),
            "0x365f0CA36Ae1f641E02fE3B7743673da42A13A70"
        );
        assert_eq!(proxy_wallet_address(eoa, Chain::Amoy), None);
        assert_eq!(
            safe_wallet_address(eoa).to_checksum(None),
            "0xd93B25cb943D14d0d34FBaF01Fc93a0f8b5F6E47"
        );
    }

    #[test]
    fn parties_per_signature_type() {
        let s = signer();
        let eoa = s.address();
        let wallet = address!("3333333333333333333333333333333333333333");
        let p = s.parties(SignatureType::Eoa, None, Chain::Polygon).unwrap();
        assert_eq!((p.maker, p.signer), (eoa, eoa));
        let p = s
            .parties(SignatureType::PolyProxy, None, Chain::Polygon)
            .unwrap();
        assert_eq!(p.maker, proxy_wallet_address(eoa, Chain::Polygon).unwrap());
        assert_eq!(p.signer, eoa);
        assert!(
            s.parties(SignatureType::PolyProxy, None, Chain::Amoy)
                .is_err()
        );
        let p = s
            .parties(SignatureType::PolyGnosisSafe, None, Chain::Amoy)
            .unwrap();
        assert_eq!(p.maker, safe_wallet_address(eoa));
        let p = s
            .parties(SignatureType::Poly1271, Some(wallet), Chain::Polygon)
            .unwrap();
        assert_eq!((p.maker, p.signer), (wallet, wallet));
        assert!(
            s.parties(SignatureType::Poly1271, None, Chain::Polygon)
                .is_err()
        );
        assert!(
            s.parties(SignatureType::Eoa, Some(wallet), Chain::Polygon)
                .is_err()
        );
        assert!(
            s.parties(
                SignatureType::PolyProxy,
                Some(Address::ZERO),
                Chain::Polygon
            )
            .is_err()
        );
    }

    #[test]
    fn debug_shows_only_the_address() {
        let printed = format!("{:?}", signer());
        assert!(printed.to_lowercase().contains("0xf39fd6e5"), "{printed}");
        assert!(!printed.contains("ac0974"));
    }

    #[test]
    fn signatures_equal_alloys_k256_signer() {
        use alloy_signer::SignerSync;
        let ours = signer();
        let reference = alloy_signer_local::PrivateKeySigner::from_bytes(&B256::from(
            *PrivateKey::from_hex(ANVIL0).unwrap().expose_bytes(),
        ))
        .unwrap();
        assert_eq!(ours.address(), reference.address());
        let mut hash = B256::ZERO;
        for i in 0..64u8 {
            hash = keccak256([hash.as_slice(), &[i]].concat());
            let expected = reference.sign_hash_sync(&hash).unwrap().as_bytes();
            assert_eq!(ours.sign_hash(&hash), expected, "hash {hash}");
        }
    }

    #[test]
    fn poly1271_blob_length() {
        assert_eq!(POLY1271_SIGNATURE_LEN, 317);
        assert_eq!(ORDER_TYPE_STRING.len(), 0xba);
    }
}
