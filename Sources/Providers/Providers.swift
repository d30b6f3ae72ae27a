/// Providers: the libcurl transport and the outside-world clients live here.
public enum ProvidersModule {}
