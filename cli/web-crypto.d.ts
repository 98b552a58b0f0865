// Web Crypto type names that src/lib (typed for workerd) uses and @types/node declares only as values.
type CryptoKey = import("node:crypto").webcrypto.CryptoKey;
type SubtleCrypto = import("node:crypto").webcrypto.SubtleCrypto;
