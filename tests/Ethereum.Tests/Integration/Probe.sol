// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Exercises what the C# Ethereum layer must handle on a real node: deployment with a constructor
/// argument, views, state changes with events (indexed and not), require strings, custom errors,
/// panics, and a DepositEvent shaped exactly like the beacon deposit contract's.
contract Probe {
    event DepositEvent(bytes pubkey, bytes withdrawal_credentials, bytes amount, bytes signature, bytes index);
    event ValidatorRegistered(bytes publicKey);
    event Stored(address indexed by, uint256 indexed value, string note);

    error Unauthorized(address caller, uint256 code);

    address public immutable owner;
    uint256 public value;
    uint64 public depositCount;

    constructor(uint256 initial) {
        owner = msg.sender;
        value = initial;
    }

    function store(uint256 newValue, string calldata note) external {
        require(newValue != 13, "unlucky number");
        value = newValue;
        emit Stored(msg.sender, newValue, note);
    }

    function ownerOnly(uint256 code) external view returns (bool) {
        if (msg.sender != owner) revert Unauthorized(msg.sender, code);
        return true;
    }

    function addOne(uint8 a) external pure returns (uint8) {
        return a + 1;
    }

    function describe() external view returns (uint256, address, string memory, bytes32[] memory) {
        bytes32[] memory tags = new bytes32[](2);
        tags[0] = keccak256("a");
        tags[1] = keccak256("b");
        return (value, owner, "probe", tags);
    }

    function deposit(bytes calldata pubkey, bytes calldata withdrawalCredentials, bytes calldata signature) external payable {
        emit DepositEvent(pubkey, withdrawalCredentials, littleEndian64(uint64(msg.value / 1 gwei)), signature, littleEndian64(depositCount));
        depositCount++;
        emit ValidatorRegistered(pubkey);
    }

    function littleEndian64(uint64 v) internal pure returns (bytes memory r) {
        r = new bytes(8);
        for (uint256 i = 0; i < 8; i++) {
            r[i] = bytes1(uint8(v >> (8 * i)));
        }
    }
}
