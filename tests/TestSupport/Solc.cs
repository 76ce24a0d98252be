using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace DvtBus.TestSupport;

/// <summary>One compiled contract: creation bytecode (0x-hex) and its ABI as JSON text.</summary>
public sealed record CompiledContract(string Name, string Bytecode, string Abi);

/// <summary>
/// Compiles Solidity sources with the pinned solcjs (tools/js/node_modules/.bin/solcjs --bin --abi) into a
/// temporary folder. Results are cached per source content for the life of the test process.
/// </summary>
public static class Solc
{
    private static readonly ConcurrentDictionary<string, Task<IReadOnlyDictionary<string, CompiledContract>>> Cache = new();

    public static string Executable => Path.Combine(RepoPaths.NodeModules, ".bin", "solcjs");

    /// <summary>Compiles the given .sol files together; the result is keyed by contract name.</summary>
    public static Task<IReadOnlyDictionary<string, CompiledContract>> CompileAsync(params string[] sourceFiles)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", sourceFiles.Select(f => f + "\n" + File.ReadAllText(f))))));
        return Cache.GetOrAdd(key, _ => CompileUncachedAsync(sourceFiles));
    }

    private static async Task<IReadOnlyDictionary<string, CompiledContract>> CompileUncachedAsync(string[] sourceFiles)
    {
        if (!File.Exists(Executable)) throw new FileNotFoundException("solcjs is not installed: run ./dvt test", Executable);
        var output = Path.Combine(Path.GetTempPath(), "dvt-solc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(output);
        try
        {
            var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(sourceFiles[0]))!;
            var psi = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = baseDirectory,
            };
            foreach (var argument in new[] { Executable, "--bin", "--abi", "--base-path", baseDirectory, "-o", output })
                psi.ArgumentList.Add(argument);
            foreach (var file in sourceFiles) psi.ArgumentList.Add(Path.GetRelativePath(baseDirectory, Path.GetFullPath(file)));
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("solcjs did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("solcjs did not finish within 2 minutes");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"solcjs failed ({process.ExitCode}): {await stderr}{await stdout}");
            var contracts = new Dictionary<string, CompiledContract>(StringComparer.Ordinal);
            foreach (var bin in Directory.GetFiles(output, "*.bin"))
            {
                // solcjs names outputs <source path with separators as _>_<Contract>.bin
                var stem = Path.GetFileNameWithoutExtension(bin);
                var marker = stem.LastIndexOf("_sol_", StringComparison.Ordinal);
                var name = marker >= 0 ? stem[(marker + 5)..] : stem;
                var abiPath = Path.ChangeExtension(bin, ".abi");
                contracts[name] = new CompiledContract(
                    name, "0x" + (await File.ReadAllTextAsync(bin)).Trim(), File.Exists(abiPath) ? await File.ReadAllTextAsync(abiPath) : "[]");
            }
            return contracts;
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
