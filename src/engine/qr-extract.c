#include "config.h"

#include "qr-extract.h"
