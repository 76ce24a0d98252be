// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Devnet deposit contract
/// @notice Behaves like the consensus-layer deposit contract as far as the execution layer can see it:
/// the same checks, the same deposit_data_root recomputation, the same Merkle root and the same event
/// bytes. It never checks BLS signatures (neither does mainnet's; the beacon chain does).
contract DepositContract {
    uint256 private constant TREE_DEPTH = 32;
    // One less than 2**TREE_DEPTH: the tree must never be completely full.
    uint256 private constant MAX_DEPOSIT_COUNT = 2 ** TREE_DEPTH - 1;

    event DepositEvent(bytes pubkey, bytes withdrawal_credentials, bytes amount, bytes signature, bytes index);

    error InvalidPublicKeyLength();
    error InvalidWithdrawalCredentialsLength();
    error InvalidSignatureLength();
    error DepositValueTooLow();
    error DepositValueNotMultipleOfGwei();
    error DepositValueTooHigh();
    error DepositRootMismatch();
    error MerkleTreeFull();

    // branch[h] holds the root of the most recent complete left subtree of height h.
    bytes32[TREE_DEPTH] private branch;
    bytes32[TREE_DEPTH] private zeroHashes;
    uint256 private depositCount;

    constructor() {
        for (uint256 height = 0; height < TREE_DEPTH - 1; height++) {
            zeroHashes[height + 1] = sha256(abi.encodePacked(zeroHashes[height], zeroHashes[height]));
        }
    }

    /// @notice The SSZ root of the deposit list: Merkle root of depth 32 mixed in with the count.
    function get_deposit_root() external view returns (bytes32) {
        bytes32 node;
        uint256 size = depositCount;
        for (uint256 height = 0; height < TREE_DEPTH; height++) {
            if (size & 1 == 1) {
                node = sha256(abi.encodePacked(branch[height], node));
            } else {
                node = sha256(abi.encodePacked(node, zeroHashes[height]));
            }
            size >>= 1;
        }
        return sha256(abi.encodePacked(node, littleEndian64(uint64(depositCount)), bytes24(0)));
    }

    /// @notice The number of deposits as 8 little-endian bytes, as mainnet's contract returns it.
    function get_deposit_count() external view returns (bytes memory) {
        return littleEndian64(uint64(depositCount));
    }

    function deposit(
        bytes calldata pubkey,
        bytes calldata withdrawal_credentials,
        bytes calldata signature,
        bytes32 deposit_data_root
    ) external payable {
        if (pubkey.length != 48) revert InvalidPublicKeyLength();
        if (withdrawal_credentials.length != 32) revert InvalidWithdrawalCredentialsLength();
        if (signature.length != 96) revert InvalidSignatureLength();
        if (msg.value < 1 ether) revert DepositValueTooLow();
        if (msg.value % 1 gwei != 0) revert DepositValueNotMultipleOfGwei();
        uint256 gweiAmount = msg.value / 1 gwei;
        if (gweiAmount > type(uint64).max) revert DepositValueTooHigh();
        if (depositCount >= MAX_DEPOSIT_COUNT) revert MerkleTreeFull();

        bytes memory amount = littleEndian64(uint64(gweiAmount));
        if (depositDataRoot(pubkey, withdrawal_credentials, amount, signature) != deposit_data_root) {
            revert DepositRootMismatch();
        }

        emit DepositEvent(pubkey, withdrawal_credentials, amount, signature, littleEndian64(uint64(depositCount)));
        insert(deposit_data_root);
    }

    /// hash_tree_root(DepositData{pubkey: Bytes48, withdrawal_credentials: Bytes32, amount: uint64,
    /// signature: Bytes96}): four fields, so a two-level tree over the four field roots.
    function depositDataRoot(
        bytes calldata pubkey,
        bytes calldata withdrawalCredentials,
        bytes memory amount,
        bytes calldata signature
    ) private pure returns (bytes32) {
        bytes32 pubkeyRoot = sha256(abi.encodePacked(pubkey, bytes16(0)));
        bytes32 signatureRoot = sha256(
            abi.encodePacked(
                sha256(signature[0:64]),
                sha256(abi.encodePacked(signature[64:96], bytes32(0)))
            )
        );
        return sha256(
            abi.encodePacked(
                sha256(abi.encodePacked(pubkeyRoot, withdrawalCredentials)),
                sha256(abi.encodePacked(amount, bytes24(0), signatureRoot))
            )
        );
    }

    function insert(bytes32 leaf) private {
        depositCount += 1;
        uint256 size = depositCount;
        bytes32 node = leaf;
        for (uint256 height = 0; height < TREE_DEPTH; height++) {
            if (size & 1 == 1) {
                branch[height] = node;
                return;
            }
            node = sha256(abi.encodePacked(branch[height], node));
            size >>= 1;
        }
        // Unreachable while depositCount < 2**32: some bit of size below 2**32 is set.
        assert(false);
    }

    function littleEndian64(uint64 value) private pure returns (bytes memory out) {
        out = new bytes(8);
        for (uint256 i = 0; i < 8; i++) {
            out[i] = bytes1(uint8(value >> (8 * i)));
        }
    }
}
