// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ApprovalParams, Keeper} from "./Keeper.sol";
import {DepositContract} from "./DepositContract.sol";
import {Eip712} from "./Eip712.sol";

/// @title Devnet vault
/// @notice Registers validators the way a StakeWise V3 vault does: oracle approval through the keeper,
/// the validators manager's consent, then one deposit per validator with the vault's own credentials.
contract Vault {
    // As StakeWise vaults type it since their 2025 release; for registerValidators the nonce is the registry root.
    bytes32 private constant VAULT_VALIDATORS_TYPEHASH = keccak256("VaultValidators(bytes32 nonce,bytes validators)");

    uint256 private constant PUBLIC_KEY_LENGTH = 48;
    uint256 private constant DEPOSIT_SIGNATURE_LENGTH = 96;
    // pubkey || deposit signature || deposit_data_root
    uint256 private constant V1_VALIDATOR_LENGTH = 176;
    // ... || amount in gwei, 8 bytes big-endian
    uint256 private constant V2_VALIDATOR_LENGTH = 184;
    uint256 private constant V1_DEPOSIT = 32 ether;
    uint256 private constant MIN_V2_DEPOSIT = 32 ether;
    // EIP-7251's maximum effective balance for compounding (0x02) validators.
    uint256 private constant MAX_V2_DEPOSIT = 2048 ether;

    Keeper public immutable keeper;
    DepositContract public immutable depositContract;
    address public immutable validatorsManager;
    bytes32 private immutable credentials;

    event ValidatorRegistered(bytes publicKey);

    error ZeroAddress();
    error InvalidWithdrawalCredentialsType();
    error DeadlineExpired();
    error InvalidValidatorsRegistryRoot();
    error InvalidValidators();
    error InvalidValidatorsManagerSignature();
    error AccessDenied();
    error NotHarvested();
    error InvalidDepositAmount();
    error InsufficientAssets();

    constructor(Keeper keeper_, DepositContract depositContract_, address validatorsManager_, uint8 credentialsType) {
        if (address(keeper_) == address(0) || address(depositContract_) == address(0) || validatorsManager_ == address(0)) {
            revert ZeroAddress();
        }
        if (credentialsType != 0x01 && credentialsType != 0x02) revert InvalidWithdrawalCredentialsType();
        keeper = keeper_;
        depositContract = depositContract_;
        validatorsManager = validatorsManager_;
        // type byte || 11 zero bytes || this vault's 20-byte address
        credentials = bytes32(uint256(credentialsType) << 248 | uint256(uint160(address(this))));
    }

    receive() external payable {}

    /// @notice The 32 withdrawal credentials every validator of this vault is deposited with.
    function withdrawalCredentials() external view returns (bytes memory) {
        return abi.encodePacked(credentials);
    }

    /// @notice Without a signature only the validators manager may call; a signature, when given, must be the
    /// manager's EIP-712 VaultValidators signature whoever calls (as in the current StakeWise release). The registry
    /// root is the nonce: every deposit moves it, so neither signature can be replayed.
    function registerValidators(ApprovalParams calldata keeperParams, bytes calldata validatorsManagerSignature)
        external
    {
        if (keeperParams.deadline < block.timestamp) revert DeadlineExpired();
        if (depositContract.get_deposit_root() != keeperParams.validatorsRegistryRoot) {
            revert InvalidValidatorsRegistryRoot();
        }
        uint256 itemLength = uint8(credentials[0]) == 0x01 ? V1_VALIDATOR_LENGTH : V2_VALIDATOR_LENGTH;
        bytes calldata validators = keeperParams.validators;
        if (validators.length == 0 || validators.length % itemLength != 0) revert InvalidValidators();
        // A StakeWise vault tells 0x01 from 0x02 entries by the length alone and refuses one both sizes divide.
        if (validators.length % V1_VALIDATOR_LENGTH == 0 && validators.length % V2_VALIDATOR_LENGTH == 0) {
            revert InvalidValidators();
        }
        if (validatorsManagerSignature.length == 0) {
            if (msg.sender != validatorsManager) revert AccessDenied();
        } else {
            checkManagerSignature(keeperParams.validatorsRegistryRoot, validators, validatorsManagerSignature);
        }

        keeper.approveValidators(keeperParams);
        // As a StakeWise vault: one that missed a rewards update deposits nothing until it is harvested.
        if (keeper.isHarvestRequired(address(this))) revert NotHarvested();

        for (uint256 start = 0; start < validators.length; start += itemLength) {
            deposit(validators[start:start + itemLength]);
        }
    }

    function checkManagerSignature(bytes32 registryRoot, bytes calldata validators, bytes calldata signature)
        private
        view
    {
        bytes32 structHash = keccak256(abi.encode(VAULT_VALIDATORS_TYPEHASH, registryRoot, keccak256(validators)));
        bytes32 hash = Eip712.digest("VaultValidators", "1", address(this), structHash);
        if (Eip712.recover(hash, signature) != validatorsManager) revert InvalidValidatorsManagerSignature();
    }

    function deposit(bytes calldata validator) private {
        bytes calldata publicKey = validator[0:PUBLIC_KEY_LENGTH];
        uint256 signatureEnd = PUBLIC_KEY_LENGTH + DEPOSIT_SIGNATURE_LENGTH;
        bytes calldata signature = validator[PUBLIC_KEY_LENGTH:signatureEnd];
        bytes32 depositDataRoot = bytes32(validator[signatureEnd:V1_VALIDATOR_LENGTH]);

        uint256 amount = V1_DEPOSIT;
        if (validator.length == V2_VALIDATOR_LENGTH) {
            amount = uint256(uint64(bytes8(validator[V1_VALIDATOR_LENGTH:V2_VALIDATOR_LENGTH]))) * 1 gwei;
            if (amount < MIN_V2_DEPOSIT || amount > MAX_V2_DEPOSIT) revert InvalidDepositAmount();
        }
        if (address(this).balance < amount) revert InsufficientAssets();

        depositContract.deposit{value: amount}(
            publicKey, abi.encodePacked(credentials), signature, depositDataRoot
        );
        emit ValidatorRegistered(publicKey);
    }
}
