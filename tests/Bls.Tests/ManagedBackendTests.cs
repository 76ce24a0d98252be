using Xunit;

namespace DvtBus.Bls.Tests;

/// <summary>Runs alone (no other test class in parallel) because it switches the process's field backend.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class BackendSwitchCollection
{
    public const string Name = "Field backend switch";
}

/// <summary>
/// The rest of the suite runs on the backend the process chose (native when the library is built). This class
/// runs the vector files and the differential cases once more on the managed field code, so both backends
/// are proven on the same data.
/// </summary>
[Collection(BackendSwitchCollection.Name)]
[Trait("Category", "Vectors")]
public class ManagedBackendTests
{
    private static void RunRows(IEnumerable<object[]> rows, Action<object[]> run, int atLeast)
    {
        using var managed = FpKernel.UseManagedForTests();
        Assert.False(FpKernel.IsNative);
        var failures = new List<string>();
        int count = 0;
        foreach (var row in rows)
        {
            count++;
            try
            {
                run(row);
            }
            catch (Exception e)
            {
                failures.Add($"{string.Join(", ", row)}: {e.Message}");
            }
        }
        Assert.True(count >= atLeast, $"only {count} rows");
        Assert.Empty(failures);
    }

    [Fact]
    public void Eth_vectors_pass_on_the_managed_backend() =>
        RunRows(VectorFiles.EthCases(), row => new EthVectorTests().Case_matches_expected_output((string)row[0], (string)row[1]), 97);

    [Fact]
    public void Rfc9380_vectors_pass_on_the_managed_backend()
    {
        RunRows(HashToCurveVectorTests.ExpandCases(), row => new HashToCurveVectorTests().Expand_message_xmd_matches_rfc((string)row[0], (int)row[1]), 2);
        RunRows(HashToCurveVectorTests.CurveCases(), row => new HashToCurveVectorTests().Hash_to_curve_matches_rfc((string)row[0], (int)row[1]), 2);
    }

    [Fact]
    public void Threshold_vectors_pass_on_the_managed_backend()
    {
        var t = new ThresholdVectorTests();
        RunRows(ThresholdVectorTests.SsvFixtures, row =>
        {
            t.Ssv_shares_sign_and_recombine_to_the_group_signature((string)row[0]);
            t.Ssv_shares_below_threshold_do_not_recombine((string)row[0]);
        }, 4);
        RunRows([[]], _ =>
        {
            t.Thirteen_operator_set_needs_operator_ids_not_positions();
            t.Charon_public_shares_interpolate_to_each_distributed_key();
        }, 1);
    }

    [Fact]
    public async Task Differential_cases_match_on_the_managed_backend()
    {
        using var managed = FpKernel.UseManagedForTests();
        Assert.False(FpKernel.IsNative);
        var d = new DifferentialTests();
        await d.Keys_and_signatures_match_noble_and_blst();
        await d.Verification_of_valid_and_tampered_signatures_matches();
        await d.Aggregation_and_fast_aggregate_verify_match();
        await d.Hash_to_G2_with_the_pop_dst_matches_noble();
        await d.Threshold_recovery_matches_noble_field_arithmetic();
        await d.Point_validation_of_tampered_encodings_matches();
    }
}
