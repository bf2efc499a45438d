{
  "targets": [
    {
      "target_name": "effsup_spawner",
      "sources": ["native/spawner.c", "native/dgram.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"]
    }
  ]
}
