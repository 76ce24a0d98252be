using System.Runtime.CompilerServices;

// The tests drive the exit requests between their steps, where no HTTP call can stop them.
[assembly: InternalsVisibleTo("DvtBus.Relayer.Tests")]
