using Xunit;

namespace DvtBus.Operator.Tests.Registration;

/// <summary>The stage timeout settings are checked with the rest of the operator's settings, each failure naming its setting.</summary>
public sealed class StageTimeoutOptionsTests
{
    [Fact]
    public void Defaults_pass_and_each_bad_timeout_or_round_count_is_named()
    {
        using var settings = new ValidOptions();
        var options = settings.Options;
        Assert.True(new OperatorOptionsValidator().Validate(null, options).Succeeded);

        options.ShareCollectionTimeout = TimeSpan.FromMilliseconds(500);
        options.ShareCollectionRounds = 0;
        options.OracleTimeout = TimeSpan.FromSeconds(30);
        options.ApprovalRoundTimeout = TimeSpan.FromMinutes(3);
        options.ApprovalRequestRounds = 101;
        options.StuckAfter = TimeSpan.FromMinutes(3);
        options.RegisteringTimeout = TimeSpan.FromMinutes(3);
        options.RegisteringChecks = -1;
        var failures = new OperatorOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(
            ["Operator:ShareCollectionTimeout", "Operator:ShareCollectionRounds", "Operator:ApprovalRoundTimeout", "Operator:ApprovalRequestRounds",
             "Operator:RegisteringTimeout", "Operator:RegisteringChecks"],
            failures.Select(f => f[..f.IndexOfAny([' ', ':'], "Operator:".Length)]));
        Assert.Contains(failures, f => f.Contains("00:03:51", StringComparison.Ordinal));
    }

    [Fact]
    public void Submission_hold_must_outlast_the_stuck_wait_and_stay_under_the_brokers_consumer_timeout()
    {
        using var settings = new ValidOptions();
        var options = settings.Options;
        options.StuckAfter = TimeSpan.FromMinutes(3);
        foreach (var (hold, valid) in new[] { (3.0, false), (3.5, true), (29.9, true), (30.0, false), (0.001, false) })
        {
            options.SubmissionHold = TimeSpan.FromMinutes(hold);
            var result = new OperatorOptionsValidator().Validate(null, options);
            Assert.True(result.Succeeded == valid, $"{hold} min: {result.FailureMessage}");
            if (!valid) Assert.StartsWith("Operator:SubmissionHold ", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Approval_round_timeout_must_outlast_the_approval_step_with_its_retries()
    {
        using var settings = new ValidOptions();
        var options = settings.Options;
        options.OracleTimeout = TimeSpan.FromSeconds(10);

        options.ApprovalRoundTimeout = TimeSpan.FromSeconds(111);
        Assert.True(new OperatorOptionsValidator().Validate(null, options).Failed);
        options.ApprovalRoundTimeout = TimeSpan.FromSeconds(112);
        Assert.True(new OperatorOptionsValidator().Validate(null, options).Succeeded);
    }
}
