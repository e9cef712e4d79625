#include "config.h"

#include "qr-scrypt-file.h"
