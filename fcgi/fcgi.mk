# fcgi/fcgi.mk: sluice-api embeds fcgi/openapi.json (see api_openapi.c).
$(BUILD)/fcgi/api_openapi.o: fcgi/openapi.json
