using System.Text.Json;

namespace DvtBus.Operator.Intake;

/// <summary>
/// The watched folder: files arrive in inbox/, wait in processing/ while their batches run, and end in
/// done/ or rejected/. Files are only ever renamed, never overwritten or deleted.
/// </summary>
public sealed class DepositFolder
{
    public DepositFolder(string root)
    {
        Root = Path.GetFullPath(root);
        Inbox = Path.Combine(Root, "inbox");
        Processing = Path.Combine(Root, "processing");
        Done = Path.Combine(Root, "done");
        Rejected = Path.Combine(Root, "rejected");
    }

    public string Root { get; }
    public string Inbox { get; }
    public string Processing { get; }
    public string Done { get; }
    public string Rejected { get; }

    public void Create()
    {
        foreach (var folder in new[] { Inbox, Processing, Done, Rejected }) Directory.CreateDirectory(folder);
    }

    /// <summary>Editors and copy tools write under a temporary name first, then rename; those names are not deposits yet.</summary>
    public static bool IsCandidate(string fileName) =>
        !fileName.StartsWith('.') && !fileName.StartsWith('~')
        && !fileName.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
        && !fileName.EndsWith(".part", StringComparison.OrdinalIgnoreCase)
        && !fileName.EndsWith(".crdownload", StringComparison.OrdinalIgnoreCase)
        && !fileName.EndsWith(".swp", StringComparison.OrdinalIgnoreCase)
        && !fileName.EndsWith(".error.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Moves a file into <paramref name="folder"/> under its own name, or under the name with a suffix when
    /// that name is taken (a second file of the same name must not replace the first). Returns the new name.
    /// </summary>
    public static string MoveInto(string source, string folder, string tag)
    {
        var name = Path.GetFileName(source);
        for (var attempt = 0; ; attempt++)
        {
            var target = Path.Combine(folder, Candidate(name, tag, attempt));
            try
            {
                File.Move(source, target, overwrite: false);
                return Path.GetFileName(target);
            }
            catch (IOException) when (File.Exists(target) && File.Exists(source) && attempt < 100)
            {
            }
        }
    }

    /// <summary>
    /// The name <see cref="MoveInto"/> would give a file of that name in <paramref name="folder"/> now: its own,
    /// else the first free one with the tag.
    /// </summary>
    public static string FreeName(string folder, string name, string tag)
    {
        for (var attempt = 0; ; attempt++)
            if (Candidate(name, tag, attempt) is var candidate && !File.Exists(Path.Combine(folder, candidate))) return candidate;
    }

    /// <summary>The name a file gets at the given attempt: its own first, then tagged (name.tag.ext, name.tag-2.ext, ...).</summary>
    private static string Candidate(string name, string tag, int attempt) =>
        attempt == 0 ? name : $"{Path.GetFileNameWithoutExtension(name)}.{tag}{(attempt > 1 ? "-" + attempt : "")}{Path.GetExtension(name)}";

    /// <summary>
    /// Moves a refused file to rejected/ under exactly <paramref name="storedName"/> (chosen, and recorded, before
    /// the move) and writes <c>&lt;storedName&gt;.error.json</c> beside it; fails rather than replace a file.
    /// </summary>
    public void RejectAs(string source, string storedName, RejectionReport report)
    {
        File.Move(source, Path.Combine(Rejected, storedName), overwrite: false);
        File.WriteAllText(Path.Combine(Rejected, storedName + ".error.json"), JsonSerializer.Serialize(report, ReportJson));
    }

    /// <summary>Moves a refused file to rejected/ and writes <c>&lt;name&gt;.error.json</c> beside it.</summary>
    public string Reject(string source, string tag, RejectionReport report)
    {
        var name = MoveInto(source, Rejected, tag);
        var reportPath = Path.Combine(Rejected, name + ".error.json");
        File.WriteAllText(reportPath, JsonSerializer.Serialize(report, ReportJson));
        return name;
    }

    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>What <c>&lt;name&gt;.error.json</c> says: the file's own problems and each bad validator's.</summary>
public sealed record RejectionReport(string File, string Sha256, IReadOnlyList<string> FileReasons, IReadOnlyList<RejectedValidator> Validators);

/// <summary>One refused entry: its 0-based place in the file, its key when readable, the problem and the reason.</summary>
public sealed record RejectedValidator(int Position, string? PublicKey, string Problem, string Reason);
