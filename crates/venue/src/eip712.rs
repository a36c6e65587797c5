//! EIP-712 hashing of CLOB V2/V3 orders and the exchange domains they are signed for.
//!
//! Invariants:
//! - the order type string, its typehash and the field order of [`OrderV2::struct_hash`] are
//!   exactly the exchange contract's; they are checked against alloy's `sol!` encoder and the
//!   official vectors in tests;
//! - every domain separator is computed once per process ([`ExchangeDomain::get`] hands out
//!   `&'static` values), so hashing an order costs two keccak calls and no allocation;
//! - V2 and V3 orders share one struct; they differ only in domain (`version` "2" vs "3" and
//!   the verifying contract). The neg-risk flag selects the V2 contract and is meaningless
//!   for V3.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, U256, address, b256, keccak256};
use polyagent_domain::trading::{Side, SignatureType};

use crate::Error;

/// `Order(...)` as signed by CTF Exchange V2 and Exchange V3. The Solidity name `Order` is
/// part of the hash, so it must not be renamed.
pub const ORDER_TYPE_STRING: &str = "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)";

/// `keccak256(ORDER_TYPE_STRING)`.
pub const ORDER_TYPEHASH: B256 =
    b256!("bb86318a2138f5fa8ae32fbe8e659f8fcf13cc6ae4014a707893055433818589");

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
pub const DOMAIN_TYPEHASH: B256 =
    b256!("8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");

/// The `name` of every exchange domain, neg-risk included.
pub const EXCHANGE_DOMAIN_NAME: &str = "Polymarket CTF Exchange";

/// A chain the exchange is deployed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    Polygon,
    Amoy,
}

impl Chain {
    pub const fn id(self) -> u64 {
        match self {
            Chain::Polygon => 137,
            Chain::Amoy => 80002,
        }
    }

    pub fn from_id(id: u64) -> Result<Self, Error> {
        match id {
            137 => Ok(Chain::Polygon),
            80002 => Ok(Chain::Amoy),
            other => Err(Error::UnsupportedChain(other)),
        }
    }
}

/// Which exchange contract verifies an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// CTF Exchange V2: markets whose Gamma `version` is `"v1"` (CTF token ids), domain "2".
    CtfV2,
    /// Neg-Risk CTF Exchange V2: neg-risk markets of the same generation, domain "2".
    NegRiskCtfV2,
    /// Exchange V3: Protocol-V2 markets (Gamma `version` `"v2"`, position ids), domain "3".
    V3,
}

impl Exchange {
    /// Picks the contract from the order protocol version (2 or 3) and the market's
    /// neg-risk flag (ignored for V3, which has one contract).
    pub fn for_market(protocol_version: u64, neg_risk: bool) -> Result<Self, Error> {
        match (protocol_version, neg_risk) {
            (2, false) => Ok(Exchange::CtfV2),
            (2, true) => Ok(Exchange::NegRiskCtfV2),
            (3, _) => Ok(Exchange::V3),
            (other, _) => Err(Error::UnsupportedVersion(other)),
        }
    }

    /// Picks the contract from a Gamma market's `version` field: `"v1"` markets trade CTF
    /// token ids on the V2 exchanges (neg-risk or not), `"v2"` markets trade Protocol-V2
    /// position ids on Exchange V3.
    pub fn for_gamma_version(gamma_version: &str, neg_risk: bool) -> Result<Self, Error> {
        match gamma_version {
            "v1" => Self::for_market(2, neg_risk),
            "v2" => Ok(Exchange::V3),
            other => Err(Error::InvalidField {
                field: "version",
                reason: format!(
                    "unknown Gamma market version {other:?}; expected \"v1\" or \"v2\""
                ),
            }),
        }
    }

    /// The EIP-712 domain `version` string.
    pub const fn domain_version(self) -> &'static str {
        match self {
            Exchange::CtfV2 | Exchange::NegRiskCtfV2 => "2",
            Exchange::V3 => "3",
        }
    }

    pub const fn address(self, chain: Chain) -> Address {
        match (self, chain) {
            // V2 contracts share their address across chains (deterministic deployment).
            (Exchange::CtfV2, _) => address!("E111180000d2663C0091e4f400237545B87B996B"),
            (Exchange::NegRiskCtfV2, _) => address!("e2222d279d744050d28e00520010520000310F59"),
            (Exchange::V3, Chain::Polygon) => address!("e3333700cA9d93003F00f0F71f8515005F6c00Aa"),
            (Exchange::V3, Chain::Amoy) => address!("9fE6e61422AdB6F610d8597F9684b16912D50C3D"),
        }
    }
}

/// One exchange's EIP-712 domain with its separator precomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeDomain {
    pub chain: Chain,
    pub exchange: Exchange,
    pub verifying_contract: Address,
    pub separator: B256,
}

static DOMAINS: LazyLock<[ExchangeDomain; 6]> = LazyLock::new(|| {
    let make = |chain, exchange| ExchangeDomain::compute(chain, exchange);
    [
        make(Chain::Polygon, Exchange::CtfV2),
        make(Chain::Polygon, Exchange::NegRiskCtfV2),
        make(Chain::Polygon, Exchange::V3),
        make(Chain::Amoy, Exchange::CtfV2),
        make(Chain::Amoy, Exchange::NegRiskCtfV2),
        make(Chain::Amoy, Exchange::V3),
    ]
});

impl ExchangeDomain {
    /// The shared, precomputed domain for `exchange` on `chain`.
    pub fn get(chain: Chain, exchange: Exchange) -> &'static ExchangeDomain {
        let chain_index = match chain {
            Chain::Polygon => 0,
            Chain::Amoy => 3,
        };
        let exchange_index = match exchange {
            Exchange::CtfV2 => 0,
            Exchange::NegRiskCtfV2 => 1,
            Exchange::V3 => 2,
        };
        &DOMAINS[chain_index + exchange_index]
    }

    fn compute(chain: Chain, exchange: Exchange) -> Self {
        let verifying_contract = exchange.address(chain);
        let mut buf = [0u8; 5 * 32];
        buf[..32].copy_from_slice(DOMAIN_TYPEHASH.as_slice());
        buf[32..64].copy_from_slice(keccak256(EXCHANGE_DOMAIN_NAME).as_slice());
        buf[64..96].copy_from_slice(keccak256(exchange.domain_version()).as_slice());
        buf[96..128].copy_from_slice(&U256::from(chain.id()).to_be_bytes::<32>());
        buf[140..160].copy_from_slice(verifying_contract.as_slice());
        Self {
            chain,
            exchange,
            verifying_contract,
            separator: keccak256(buf),
        }
    }

    /// `keccak256(0x19 0x01 ‖ separator ‖ struct_hash)`: the hash that is signed, and the
    /// order id the CLOB reports.
    pub fn digest(&self, struct_hash: &B256) -> B256 {
        typed_data_digest(&self.separator, struct_hash)
    }
}

/// EIP-712 `\x19\x01` digest of a struct hash under a domain separator.
pub fn typed_data_digest(separator: &B256, struct_hash: &B256) -> B256 {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(separator.as_slice());
    buf[34..66].copy_from_slice(struct_hash.as_slice());
    keccak256(buf)
}

/// The signed part of a V2/V3 order. `expiration` is not signed and lives in the POST body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderV2 {
    /// Uniqueness value; travels as a JSON number, so at most 2^53 - 1.
    pub salt: u64,
    /// Address holding the funds (EOA, proxy, safe or deposit wallet).
    pub maker: Address,
    /// Address whose signature the exchange checks (the EOA; the deposit wallet for POLY_1271).
    pub signer: Address,
    pub token_id: U256,
    /// Base units (6 decimals) the maker gives.
    pub maker_amount: u128,
    /// Base units (6 decimals) the maker receives.
    pub taker_amount: u128,
    pub side: Side,
    pub signature_type: SignatureType,
    /// Creation time in milliseconds.
    pub timestamp_ms: u64,
    pub metadata: B256,
    pub builder: B256,
}

impl OrderV2 {
    /// `hashStruct(order)`, encoded by hand into one stack buffer: each field is a 32-byte
    /// big-endian word in type-string order.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = [0u8; 12 * 32];
        buf[..32].copy_from_slice(ORDER_TYPEHASH.as_slice());
        buf[56..64].copy_from_slice(&self.salt.to_be_bytes());
        buf[76..96].copy_from_slice(self.maker.as_slice());
        buf[108..128].copy_from_slice(self.signer.as_slice());
        buf[128..160].copy_from_slice(&self.token_id.to_be_bytes::<32>());
        buf[176..192].copy_from_slice(&self.maker_amount.to_be_bytes());
        buf[208..224].copy_from_slice(&self.taker_amount.to_be_bytes());
        buf[255] = self.side.code();
        buf[287] = self.signature_type.code();
        buf[312..320].copy_from_slice(&self.timestamp_ms.to_be_bytes());
        buf[320..352].copy_from_slice(self.metadata.as_slice());
        buf[352..384].copy_from_slice(self.builder.as_slice());
        keccak256(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::{Eip712Domain, SolStruct, sol};

    sol! {
        struct Order {
            uint256 salt;
            address maker;
            address signer;
            uint256 tokenId;
            uint256 makerAmount;
            uint256 takerAmount;
            uint8 side;
            uint8 signatureType;
            uint256 timestamp;
            bytes32 metadata;
            bytes32 builder;
        }
    }

    #[test]
    fn typehashes_match_their_strings() {
        assert_eq!(keccak256(ORDER_TYPE_STRING), ORDER_TYPEHASH);
        assert_eq!(
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            ),
            DOMAIN_TYPEHASH
        );
        assert_eq!(Order::eip712_encode_type(), ORDER_TYPE_STRING);
    }

    #[test]
    fn domain_separators_match_the_protocol_table() {
        let expect = [
            (
                Chain::Polygon,
                Exchange::CtfV2,
                "0x3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2",
            ),
            (
                Chain::Polygon,
                Exchange::NegRiskCtfV2,
                "0x9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a",
            ),
            (
                Chain::Polygon,
                Exchange::V3,
                "0x466c63910185bbd55e8679264200c4e0abdcbb0c6264eb3d41d13326022e095b",
            ),
            (
                Chain::Amoy,
                Exchange::CtfV2,
                "0xa440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148",
            ),
            (
                Chain::Amoy,
                Exchange::NegRiskCtfV2,
                "0x1468e39841f0a0e05d3762b235cb7acecabf8cd7b6d3a672965a5d415bf9378e",
            ),
            (
                Chain::Amoy,
                Exchange::V3,
                "0xdf8b5fd204134b8d562677d7fc9346884e8f02ef2fd43358239393723e8833e6",
            ),
        ];
        for (chain, exchange, separator) in expect {
            let domain = ExchangeDomain::get(chain, exchange);
            assert_eq!(domain.chain, chain);
            assert_eq!(domain.exchange, exchange);
            assert_eq!(
                domain.separator.to_string(),
                separator,
                "{chain:?} {exchange:?}"
            );
            let alloy_domain = Eip712Domain::new(
                Some(EXCHANGE_DOMAIN_NAME.into()),
                Some(exchange.domain_version().into()),
                Some(U256::from(chain.id())),
                Some(exchange.address(chain)),
                None,
            );
            assert_eq!(alloy_domain.separator(), domain.separator);
        }
    }

    #[test]
    fn hand_encoding_equals_alloy_sol_encoding() {
        let order = OrderV2 {
            salt: (1 << 53) - 1,
            maker: address!("365f0CA36Ae1f641E02fE3B7743673da42A13A70"),
            signer: address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            token_id: U256::MAX,
            maker_amount: u128::MAX,
            taker_amount: 10_500_000,
            side: Side::Sell,
            signature_type: SignatureType::Poly1271,
            timestamp_ms: u64::MAX,
            metadata: B256::repeat_byte(0x11),
            builder: B256::repeat_byte(0xab),
        };
        let sol_order = Order {
            salt: U256::from(order.salt),
            maker: order.maker,
            signer: order.signer,
            tokenId: order.token_id,
            makerAmount: U256::from(order.maker_amount),
            takerAmount: U256::from(order.taker_amount),
            side: order.side.code(),
            signatureType: order.signature_type.code(),
            timestamp: U256::from(order.timestamp_ms),
            metadata: order.metadata,
            builder: order.builder,
        };
        assert_eq!(order.struct_hash(), sol_order.eip712_hash_struct());
        let domain = ExchangeDomain::get(Chain::Amoy, Exchange::V3);
        let alloy_domain = Eip712Domain::new(
            Some(EXCHANGE_DOMAIN_NAME.into()),
            Some("3".into()),
            Some(U256::from(80002u64)),
            Some(domain.verifying_contract),
            None,
        );
        assert_eq!(
            domain.digest(&order.struct_hash()),
            sol_order.eip712_signing_hash(&alloy_domain)
        );
    }

    #[test]
    fn exchange_selection() {
        assert_eq!(Exchange::for_market(2, false).unwrap(), Exchange::CtfV2);
        assert_eq!(
            Exchange::for_market(2, true).unwrap(),
            Exchange::NegRiskCtfV2
        );
        assert_eq!(Exchange::for_market(3, true).unwrap(), Exchange::V3);
        assert!(matches!(
            Exchange::for_market(1, false),
            Err(Error::UnsupportedVersion(1))
        ));
        assert!(matches!(Chain::from_id(1), Err(Error::UnsupportedChain(1))));
    }
}
