// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice EIP-712 hashing and strict secp256k1 recovery for 65-byte r || s || v signatures.
library Eip712 {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    // secp256k1n / 2: a larger s has a twin (n - s) that recovers the same signer, so only the low
    // half is accepted and each approval has exactly one valid encoding.
    uint256 private constant HALF_CURVE_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    uint256 internal constant SIGNATURE_LENGTH = 65;

    /// @dev Computed on each call rather than cached so that a chain-id change (a fork) is honoured.
    function digest(string memory name, string memory version, address verifyingContract, bytes32 structHash)
        internal
        view
        returns (bytes32)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                block.chainid,
                verifyingContract
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    /// @return signer the recovered address, or address(0) when the signature is malformed.
    function recover(bytes32 hash, bytes calldata signature) internal pure returns (address signer) {
        if (signature.length != SIGNATURE_LENGTH) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_CURVE_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(hash, v, r, s);
    }
}
