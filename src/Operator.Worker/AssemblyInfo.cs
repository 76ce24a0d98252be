using System.Runtime.CompilerServices;

// The tests drive the folder, the deposit index and the registration steps without a whole host.
[assembly: InternalsVisibleTo("DvtBus.Operator.Tests")]
