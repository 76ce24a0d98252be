namespace DvtBus.Hosting;

/// <summary>
/// Marks an exception a daemon throws while it starts for something only a person can fix, though no options
/// validator could see it (a key file that does not open, a cluster lock for another network): the daemon ends with
/// <see cref="DaemonHost.ConfigurationError"/> and its one line, so that systemd does not restart it in a loop.
/// </summary>
public interface IConfigurationProblem;

/// <summary>
/// Marks an exception a consumer throws for a state of the world that retrying within the minute of the endpoint's
/// retry policy cannot change (a vault that must be harvested first): the message faults at once instead.
/// </summary>
public interface IPermanentFailure;
