using System.Runtime.CompilerServices;

// The tests pin intermediate values (ECIES key derivation, 16-byte-nonce AES-GCM) that have no public entry point.
[assembly: InternalsVisibleTo("DvtBus.Crypto.Tests")]
