#include "config.h"

#include "qr-kdf-pool.h"
