using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;

namespace DvtBus.Sagas;

public static class SagaRepositoryRegistration
{
    /// <summary>
    /// Persists the saga in <c>{schema}.{table}</c> (see <see cref="SagaTable{TSaga}"/> for the table the
    /// daemon's migrations create) through <see cref="PostgresSagaRepositoryContextFactory{TSaga}"/>.
    /// The daemon registers its <see cref="Npgsql.NpgsqlDataSource"/> with <c>AddDvtPostgres</c>.
    /// </summary>
    public static ISagaRegistrationConfigurator<TSaga> PostgresRepository<TSaga>(
        this ISagaRegistrationConfigurator<TSaga> configurator, string schema, string table, Func<TSaga, string> currentState)
        where TSaga : class, ISaga
    {
        var location = new SagaTable<TSaga>(schema, table, currentState);
        configurator.Repository(r =>
        {
            r.AddSingleton(location);
            r.RegisterSagaRepository<TSaga, SagaTransaction, SagaConsumeContextFactory<SagaTransaction, TSaga>, PostgresSagaRepositoryContextFactory<TSaga>>();
        });
        return configurator;
    }
}
