#include "config.h"

#include "qr-archive.h"
