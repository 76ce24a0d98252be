// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Eip712} from "./Eip712.sol";

/// @notice What a vault hands to the keeper (and the operator hands to the vault) to register validators.
struct ApprovalParams {
    bytes32 validatorsRegistryRoot;
    uint256 deadline;
    bytes validators;
    bytes signatures;
    string exitSignaturesIpfsHash;
}

/// @title Devnet keeper
/// @notice Holds the oracle set and decides whether a batch of validators is approved by enough oracles.
contract Keeper {
    bytes32 private constant KEEPER_VALIDATORS_TYPEHASH = keccak256(
        "KeeperValidators(bytes32 validatorsRegistryRoot,address vault,bytes validators,string exitSignaturesIpfsHash,uint256 deadline)"
    );
    uint256 public constant MAX_ORACLES = 30;

    address public immutable owner;
    mapping(address => bool) public isOracle;
    /// @notice Whether a vault missed a rewards update and must be harvested before it deposits again (as
    /// StakeWise's keeper answers from its rewards rounds; here the owner sets it, to rehearse the case).
    mapping(address => bool) public isHarvestRequired;
    uint256 public totalOracles;
    uint256 public validatorsMinOracles;

    event OracleAdded(address indexed oracle);
    event OracleRemoved(address indexed oracle);
    event ValidatorsMinOraclesUpdated(uint256 validatorsMinOracles);
    event ValidatorsApproval(address indexed vault, string exitSignaturesIpfsHash);

    error AccessDenied();
    error InvalidOracle();
    error AlreadyAdded();
    error MaxOraclesExceeded();
    error InvalidValidatorsMinOracles();
    error DeadlineExpired();
    error InvalidSignaturesLength();
    error NotEnoughSignatures();
    error TooManySignatures();
    error OracleSignaturesNotSorted();

    modifier onlyOwner() {
        if (msg.sender != owner) revert AccessDenied();
        _;
    }

    constructor() {
        owner = msg.sender;
    }

    function addOracle(address oracle) external onlyOwner {
        if (oracle == address(0)) revert InvalidOracle();
        if (isOracle[oracle]) revert AlreadyAdded();
        if (totalOracles == MAX_ORACLES) revert MaxOraclesExceeded();
        isOracle[oracle] = true;
        totalOracles += 1;
        emit OracleAdded(oracle);
    }

    /// @dev Refuses to leave fewer oracles than an approval needs: that would block every registration.
    function removeOracle(address oracle) external onlyOwner {
        if (!isOracle[oracle]) revert InvalidOracle();
        if (totalOracles - 1 < validatorsMinOracles) revert InvalidValidatorsMinOracles();
        isOracle[oracle] = false;
        totalOracles -= 1;
        emit OracleRemoved(oracle);
    }

    function setHarvestRequired(address vault, bool required) external onlyOwner {
        isHarvestRequired[vault] = required;
    }

    function setValidatorsMinOracles(uint256 minOracles) external onlyOwner {
        if (minOracles == 0 || minOracles > totalOracles) revert InvalidValidatorsMinOracles();
        validatorsMinOracles = minOracles;
        emit ValidatorsMinOraclesUpdated(minOracles);
    }

    /// @notice Reverts unless exactly validatorsMinOracles distinct oracles signed this approval for the
    /// calling vault. The vault is msg.sender, so an approval can only ever be spent by the vault it names.
    function approveValidators(ApprovalParams calldata params) external {
        if (params.deadline < block.timestamp) revert DeadlineExpired();
        bytes32 structHash = keccak256(
            abi.encode(
                KEEPER_VALIDATORS_TYPEHASH,
                params.validatorsRegistryRoot,
                msg.sender,
                keccak256(params.validators),
                keccak256(bytes(params.exitSignaturesIpfsHash)),
                params.deadline
            )
        );
        verifyOracleSignatures(Eip712.digest("KeeperOracles", "1", address(this), structHash), params.signatures);
        emit ValidatorsApproval(msg.sender, params.exitSignaturesIpfsHash);
    }

    /// Strictly increasing signer addresses make duplicates impossible without a set in storage.
    function verifyOracleSignatures(bytes32 hash, bytes calldata signatures) private view {
        uint256 required = validatorsMinOracles;
        if (required == 0) revert InvalidValidatorsMinOracles();
        if (signatures.length % Eip712.SIGNATURE_LENGTH != 0) revert InvalidSignaturesLength();
        uint256 count = signatures.length / Eip712.SIGNATURE_LENGTH;
        if (count < required) revert NotEnoughSignatures();
        if (count > required) revert TooManySignatures();

        address previous = address(0);
        for (uint256 i = 0; i < count; i++) {
            uint256 start = i * Eip712.SIGNATURE_LENGTH;
            address signer = Eip712.recover(hash, signatures[start:start + Eip712.SIGNATURE_LENGTH]);
            if (!isOracle[signer]) revert InvalidOracle();
            if (signer <= previous) revert OracleSignaturesNotSorted();
            previous = signer;
        }
    }
}
