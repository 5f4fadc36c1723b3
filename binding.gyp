{
  "targets": [
    {
      "target_name": "tsgun_native",
      "sources": ["native/addon.c", "native/accept.c", "native/notify.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
