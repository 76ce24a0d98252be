using DvtBus.Bls;
using DvtBus.Primitives;

namespace DvtBus.Keystores.Obol;

/// <summary>One node's share of one distributed validator. Disposing it zeroes the share.</summary>
public sealed record ObolValidatorShare(int ValidatorIndex, BlsPublicKey ValidatorPublicKey, ulong ShareIndex, BlsSecretKey Share) : IDisposable
{
    public void Dispose() => Share.Dispose();
}

/// <summary>
/// Loads a charon node's `validator_keys` folder: `keystore-N.json` with password file `keystore-N.txt`,
/// where N is the validator's position in the lock (not the share index).
/// </summary>
public static class ObolKeys
{
    /// <summary>
    /// Decrypts every validator's keystore for node <paramref name="nodeIndex"/> (0-based, holding share
    /// index nodeIndex + 1) and checks each key against the lock's public share. Fails on the first
    /// missing, undecryptable or mismatching keystore, naming the validator and the file.
    /// </summary>
    public static IReadOnlyList<ObolValidatorShare> Load(ClusterLock clusterLock, int nodeIndex, string validatorKeysDirectory)
    {
        ArgumentNullException.ThrowIfNull(clusterLock);
        ArgumentNullException.ThrowIfNull(validatorKeysDirectory);
        if (nodeIndex < 0 || nodeIndex >= clusterLock.OperatorCount)
            throw new ArgumentOutOfRangeException(nameof(nodeIndex), $"node index must be in 0..{clusterLock.OperatorCount - 1}");
        if (!Directory.Exists(validatorKeysDirectory))
            throw new KeyMaterialException($"validator keys folder {validatorKeysDirectory} does not exist");

        var loaded = new List<ObolValidatorShare>(clusterLock.Validators.Count);
        try
        {
            foreach (var validator in clusterLock.Validators)
                loaded.Add(LoadOne(validator, nodeIndex, validatorKeysDirectory));
            return loaded;
        }
        catch
        {
            foreach (var share in loaded) share.Dispose();
            throw;
        }
    }

    private static ObolValidatorShare LoadOne(DistributedValidator validator, int nodeIndex, string directory)
    {
        var keystoreFile = Path.Combine(directory, $"keystore-{validator.Index}.json");
        var passwordFile = Path.Combine(directory, $"keystore-{validator.Index}.txt");
        var who = $"validator {validator.Index} ({validator.PublicKey})";
        if (!File.Exists(keystoreFile)) throw new KeyMaterialException($"{who}: keystore {keystoreFile} is missing");
        if (!File.Exists(passwordFile)) throw new KeyMaterialException($"{who}: password file {passwordFile} is missing");

        BlsSecretKey key;
        try
        {
            var keystore = Eip2335Keystore.Parse(File.ReadAllText(keystoreFile));
            using var password = KeystorePassword.ReadFile(passwordFile);
            key = keystore.DecryptKey(password);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyMaterialException($"{who}: cannot read {keystoreFile}: {e.Message}", e);
        }
        catch (WrongPasswordException e)
        {
            throw new WrongPasswordException($"{who}: {keystoreFile}: {e.Message}", e);
        }
        catch (KeyMaterialException e)
        {
            throw new KeyMaterialException($"{who}: {keystoreFile}: {e.Message}", e);
        }

        var expected = validator.PublicShareOfNode(nodeIndex);
        if (key.PublicKey != expected)
        {
            key.Dispose();
            throw new KeyMaterialException(
                $"{who}: key in {keystoreFile} does not match public_shares[{nodeIndex}] {expected} of the lock (wrong node or wrong lock?)");
        }
        return new ObolValidatorShare(validator.Index, validator.PublicKey, DistributedValidator.ShareIndexOfNode(nodeIndex), key);
    }
}
