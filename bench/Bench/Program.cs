Console.Error.WriteLine("usage: bench bls");
return 2;
